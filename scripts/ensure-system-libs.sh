#!/usr/bin/env bash
# System libraries Python wheels cannot bring: Pango and a font for the bulletin's PDF (WeasyPrint).
# Installs them with apt only where they are missing (root, or through sudo).
set -euo pipefail
missing=0
for lib in libpango-1.0.so.0 libpangoft2-1.0.so.0 libfontconfig.so.1; do
  ldconfig -p 2>/dev/null | grep -q "$lib" || missing=1
done
[ "$missing" = 0 ] && exit 0
if ! command -v apt-get >/dev/null 2>&1; then
  echo "Please install Pango (libpango-1.0, libpangoft2-1.0) and fontconfig with your package manager." >&2
  exit 1
fi
SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 fontconfig fonts-dejavu-core
