#!/usr/bin/env bash
# Builds the peers' own virtual environments under benchmarks/.peers-venv/ (git-ignored), never touching
# the project's .venv: the peers need NumPy versions Centinela cannot run with.
#
#   legacy/  BFAST Monitor (`bfast` 0.7) and CCDC (`lcmap-pyccd`): they only build against NumPy 1.23.5
#            and SciPy 1.10.1; bfast's setup.py imports the package (so its dependencies, pyopencl
#            included, go in first) and uses numpy.distutils (hence stdlib distutils, no build isolation).
#   xccd/    pyxccd (COLD / S-CCD, the successor of CCDC): a binary wheel that needs NumPy >= 2.
#
#   bash benchmarks/peers/setup_env.sh        # then: python benchmarks/peers.py
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
root="$here/.peers-venv"
py="${PYTHON:-python3.11}"
command -v "$py" >/dev/null || py=python3
log="$root/setup.log"
mkdir -p "$root"
: > "$log"

step() {  # step NAME COMMAND...: run, keep the output in setup.log, say which step failed
  echo "== $1" | tee -a "$log"
  shift
  if ! "$@" >>"$log" 2>&1; then
    echo "FAILED: see $log" >&2
    return 1
  fi
}

legacy="$root/legacy/bin"
[ -x "$legacy/python" ] || step "venv legacy" "$py" -m venv "$root/legacy"
step "legacy: numeric stack" "$legacy/pip" install "numpy==1.23.5" "scipy==1.10.1" "pandas==1.5.3" "scikit-learn==1.2.2" \
  "statsmodels==0.13.5" "matplotlib==3.7.5" "contourpy==1.2.1" "wget==3.2" "pyopencl==2023.1.4" "wheel==0.41.3"
step "legacy: bfast 0.7" env SETUPTOOLS_USE_DISTUTILS=stdlib "$legacy/pip" install --no-build-isolation "bfast==0.7"
step "legacy: lcmap-pyccd" "$legacy/pip" install "lcmap-pyccd==2021.7.19"
step "legacy: import check" "$legacy/python" -c "import numpy, bfast, ccd; assert numpy.__version__ == '1.23.5'"

xccd="$root/xccd/bin"
[ -x "$xccd/python" ] || step "venv xccd" "$py" -m venv "$root/xccd"
step "xccd: pyxccd 1.1.0" "$xccd/pip" install "pyxccd==1.1.0" "numpy==2.2.6" "pandas==2.2.3" "scikit-learn==1.9.1" \
  "scikit-image==0.26.0" "rasterio==1.4.4" "fiona==1.10.1"
step "xccd: import check" "$xccd/python" -c "from pyxccd import cold_detect, sccd_detect"
echo "peers ready in $root"
