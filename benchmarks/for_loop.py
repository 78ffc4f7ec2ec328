"""The same checker as a plain for loop: one requests.get(url, timeout=5) after another.

Usage: python3 for_loop.py URLS_FILE
Prints one JSON line like thread_per_url.py. Only run on small lists: its wall
time is the sum of every site's time.
"""

import collections
import json
import resource
import sys
import time

import requests


def main():
    with open(sys.argv[1]) as f:
        urls = [line.strip() for line in f if line.strip()]
    results = {}
    started = time.perf_counter()
    for url in urls:
        try:
            response = requests.get(url, timeout=5)
            results[url] = response.status_code
        except Exception as e:
            results[url] = type(e).__name__
    wall = time.perf_counter() - started
    outcomes = collections.Counter(
        "up" if isinstance(v, int) and 200 <= v < 400 else str(v) for v in results.values()
    )
    print(json.dumps({
        "checker": "python for loop",
        "urls": len(urls),
        "wall_ms": round(wall * 1000, 1),
        "up": outcomes.pop("up", 0),
        "failed": dict(outcomes),
        "not_started": None,
        "peak_rss_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
    }))


if __name__ == "__main__":
    main()
