#!/usr/bin/env bash
# Debian's Chromium for the browser tests (Playwright drives it; browsers are never downloaded by Playwright).
# Installs it with apt only where it is missing (root, or through sudo); elsewhere the browser tests skip
# (and fail under CI). CENTINELA_FORCE_INSTALL=1 takes the install branch anyway (tests use it).
# Prints nothing on standard output: what apt-get says goes to standard error.
set -euo pipefail
exec 1>&2
source "$(dirname "$0")/apt.sh"
if [ -x /usr/bin/chromium ] && [ "${CENTINELA_FORCE_INSTALL:-0}" != 1 ]; then exit 0; fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "Chromium not found at /usr/bin/chromium; browser tests will be skipped (install it to run them)."
  exit 0
fi
apt_install "Chromium (for the browser tests)" chromium
