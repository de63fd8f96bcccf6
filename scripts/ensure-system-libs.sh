#!/usr/bin/env bash
# System libraries Python wheels cannot bring: Pango and a font for the bulletin's PDF (WeasyPrint).
# Installs them with apt only where they are missing (root, or through sudo); CENTINELA_FORCE_INSTALL=1
# takes the install branch anyway (tests use it). Prints nothing on standard output: what apt-get says goes
# to standard error.
set -euo pipefail
exec 1>&2
source "$(dirname "$0")/apt.sh"
known=$(ldconfig -p 2>/dev/null || true)
missing=${CENTINELA_FORCE_INSTALL:-0}
for lib in libpango-1.0.so.0 libpangoft2-1.0.so.0 libfontconfig.so.1; do
  grep -qF "$lib" <<<"$known" || missing=1
done
[ "$missing" = 0 ] && exit 0
apt_install "Pango and fontconfig (for PDFs)" libpango-1.0-0 libpangoft2-1.0-0 fontconfig fonts-dejavu-core
