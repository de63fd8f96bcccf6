#!/usr/bin/env bash
# Debian's Chromium for the browser tests (Playwright drives it; browsers are never downloaded by Playwright).
# Installs it with apt only where it is missing (root, or through sudo); elsewhere the browser tests skip.
set -euo pipefail
[ -x /usr/bin/chromium ] && exit 0
if ! command -v apt-get >/dev/null 2>&1; then
  echo "Chromium not found at /usr/bin/chromium; browser tests will be skipped (install it to run them)." >&2
  exit 0
fi
SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get install -y -q --no-install-recommends chromium || { $SUDO apt-get update -q && $SUDO apt-get install -y -q --no-install-recommends chromium; }
