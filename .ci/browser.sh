# Source me (from .ci/run, under set -euo pipefail): installs what the browser tests need if missing --
# Debian's Chromium (driven by Playwright via executable_path; never `playwright install`), Noto CJK fonts
# (so Chinese renders instead of tofu) and poppler-utils (pdftoppm, pdftotext) -- and exports ZONING_CHROMIUM.
_browser_missing=""
for _browser_pkg in chromium fonts-noto-cjk poppler-utils; do
  _browser_status=$(dpkg-query -W -f='${Status}' "$_browser_pkg" 2>/dev/null || true)   # no pipeline: pipefail-safe
  if [ "$_browser_status" != "install ok installed" ]; then
    _browser_missing="$_browser_missing $_browser_pkg"
  fi
done
if [ -n "$_browser_missing" ]; then
  _browser_log=$(mktemp)
  # apt-get update only when something is missing: first try with the current lists, update and retry on failure
  # shellcheck disable=SC2086
  if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $_browser_missing >"$_browser_log" 2>&1; then
    # shellcheck disable=SC2086
    if ! { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $_browser_missing; } >"$_browser_log" 2>&1; then
      echo "browser.sh: could not install:$_browser_missing" >&2
      tail -n 20 "$_browser_log" >&2
      rm -f "$_browser_log"
      return 1 2>/dev/null || exit 1
    fi
  fi
  rm -f "$_browser_log"
fi
export ZONING_CHROMIUM="${ZONING_CHROMIUM:-/usr/bin/chromium}"
unset _browser_missing _browser_pkg _browser_status _browser_log
