"""The classic tutorial checker: one threading.Thread per URL, requests.get(url, timeout=5).

Usage: python3 thread_per_url.py URLS_FILE
Prints one JSON line: wall time, how many were up, what failed and why, and
whether every thread could be started. The checking code is the tutorial's,
unchanged; only the measuring around it is added.
"""

import collections
import json
import resource
import sys
import threading
import time

import requests

results = {}


def check(url):
    try:
        response = requests.get(url, timeout=5)
        results[url] = response.status_code
    except Exception as e:  # the tutorial catches everything and records it
        results[url] = type(e).__name__


def main():
    with open(sys.argv[1]) as f:
        urls = [line.strip() for line in f if line.strip()]
    started = time.perf_counter()
    threads = []
    not_started = None
    for url in urls:
        t = threading.Thread(target=check, args=(url,))
        try:
            t.start()
        except RuntimeError as e:  # "can't start new thread": out of threads/memory
            not_started = f"{len(urls) - len(threads)} threads not started: {e}"
            break
        threads.append(t)
    for t in threads:
        t.join()
    wall = time.perf_counter() - started
    outcomes = collections.Counter(
        "up" if isinstance(v, int) and 200 <= v < 400 else str(v) for v in results.values()
    )
    print(json.dumps({
        "checker": "python thread-per-URL",
        "urls": len(urls),
        "wall_ms": round(wall * 1000, 1),
        "up": outcomes.pop("up", 0),
        "failed": dict(outcomes),
        "not_started": not_started,
        "peak_rss_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
    }))


if __name__ == "__main__":
    main()
