#!/usr/bin/env bash
# The GitHub Action's steps (action.yml at the repository's top level), kept
# in a script so crates/cli/tests/action.rs runs exactly this against the
# fixture on loopback.
#
#   scripts/action.sh install   cargo install the CLI from this checkout into
#                               $RUNNER_TEMP/upcheck and put it on $GITHUB_PATH
#   scripts/action.sh check     check the lists, write the Markdown table to the
#                               job summary, annotate bad lines, exit as upcheck
#
# Every input arrives in the environment (action.yml maps `inputs.*` to `env:`),
# never pasted into the script's text, so a list name or an argument cannot
# become shell code:
#   UPCHECK_LISTS    list files, one per line (required)
#   UPCHECK_FAIL_ON  outcomes that fail the job, comma-separated (optional)
#   UPCHECK_ARGS     more upcheck flags, ONE ARGUMENT PER LINE (optional;
#                    e.g. "--timeout" then "5s"); nothing is split or expanded
#   UPCHECK_BIN      the upcheck binary (default: upcheck on PATH)
# GitHub's own: GITHUB_STEP_SUMMARY, GITHUB_OUTPUT, GITHUB_PATH, RUNNER_TEMP.
# Outputs: exit-code (0 passed, 1 a site failed, 2 a bad list or usage) and
# report (the Markdown file).
set -uo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

# Workflow commands end at a newline and treat % specially: escape them
# (GitHub's documented encoding for messages and properties).
escape_data() {
  local s="${1//'%'/'%25'}"
  s="${s//$'\r'/'%0D'}"
  printf '%s' "${s//$'\n'/'%0A'}"
}
escape_property() {
  local s
  s="$(escape_data "$1")"
  s="${s//':'/'%3A'}"
  printf '%s' "${s//','/'%2C'}"
}

# Appends `name=value` to $GITHUB_OUTPUT, if there is one.
output() {
  [ -n "${GITHUB_OUTPUT:-}" ] && printf '%s=%s\n' "$1" "$2" >>"$GITHUB_OUTPUT"
  return 0
}

install() {
  local root="${RUNNER_TEMP:-${TMPDIR:-/tmp}}/upcheck"
  echo "installing upcheck from $here into $root"
  # From the checkout's own directory, so its rust-toolchain.toml picks the
  # Rust it was tested with; --locked builds exactly Cargo.lock.
  (cd "$here" && cargo install --locked --quiet --path crates/cli --root "$root") || {
    echo "::error title=upcheck::cargo install of the upcheck CLI failed"
    exit 2
  }
  if [ -n "${GITHUB_PATH:-}" ]; then
    echo "$root/bin" >>"$GITHUB_PATH"
  fi
  "$root/bin/upcheck" --version
}

check() {
  local bin="${UPCHECK_BIN:-upcheck}"
  local lists=() args=() line
  while IFS= read -r line || [ -n "$line" ]; do
    line="${line#"${line%%[![:space:]]*}"}"
    line="${line%"${line##*[![:space:]]}"}"
    [ -n "$line" ] && lists+=("$line")
  done <<<"${UPCHECK_LISTS:-}"
  if [ "${#lists[@]}" -eq 0 ]; then
    echo "::error title=upcheck::the 'lists' input names no list file"
    output exit-code 2
    exit 2
  fi
  while IFS= read -r line || [ -n "$line" ]; do
    [ -n "$line" ] && args+=("$line")
  done <<<"${UPCHECK_ARGS:-}"
  if [ -n "${UPCHECK_FAIL_ON:-}" ]; then
    args+=(--fail-on "$UPCHECK_FAIL_ON")
  fi

  local dir report errors code
  dir="$(mktemp -d "${RUNNER_TEMP:-${TMPDIR:-/tmp}}/upcheck-action.XXXXXX")"
  report="$dir/report.md"
  errors="$dir/stderr.txt"
  "$bin" check --format md --no-progress "${args[@]}" -- "${lists[@]}" >"$report" 2>"$errors"
  code=$?

  # The job's log: what upcheck said, then the table.
  cat "$errors" >&2
  cat "$report"

  # A bad line is named `upcheck: FILE:LINE: reason`: an annotation on that
  # line of the list file, shown in the pull request's diff.
  local file lineno reason
  while IFS= read -r line; do
    if [[ "$line" =~ ^upcheck:\ (.+):([0-9]+):\ (.*)$ ]]; then
      file="${BASH_REMATCH[1]}" lineno="${BASH_REMATCH[2]}" reason="${BASH_REMATCH[3]}"
      printf '::error file=%s,line=%s,title=upcheck::%s\n' \
        "$(escape_property "$file")" "$lineno" "$(escape_data "$reason")"
    fi
  done <"$errors"

  if [ -n "${GITHUB_STEP_SUMMARY:-}" ]; then
    {
      echo "## Upcheck: ${lists[*]}"
      echo
      case "$code" in
        0) echo "Every site passed." ;;
        1) echo "**Some sites failed** (exit code 1)." ;;
        *) echo "**The check could not run as asked** (exit code $code)." ;;
      esac
      echo
      # upcheck's own account (counts, bad lines, hints), verbatim.
      if [ -s "$errors" ]; then
        echo '```text'
        cat "$errors"
        echo '```'
        echo
      fi
      cat "$report"
    } >>"$GITHUB_STEP_SUMMARY"
  fi
  output exit-code "$code"
  output report "$report"
  exit "$code"
}

case "${1:-}" in
  install) install ;;
  check) check ;;
  *)
    echo "usage: scripts/action.sh install|check (inputs in the environment; see the top of this file)" >&2
    exit 2
    ;;
esac
