#!/usr/bin/env bash
# The map page's committed bundle (src/centinela/web/static/) must be what its source (web/frontend/) builds:
# runs the frontend's own check, `node build.mjs --check`, which exits 1 naming the stale files.
# Installs Node.js with apt where it is missing (root, or through sudo). Standard output stays empty.
set -euo pipefail
exec 1>&2
source "$(dirname "$0")/apt.sh"
cd "$(dirname "$0")/../web/frontend"
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  apt_install "Node.js (to check the map page's bundle)" nodejs npm
fi
# The exact packages of package-lock.json (esbuild and MapLibre), from the npm registry.
npm ci --no-audit --no-fund --loglevel=error
node build.mjs --check
