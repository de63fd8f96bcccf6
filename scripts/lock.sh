#!/usr/bin/env bash
# Regenerate requirements.lock: the exact set of packages `make demo` and `make test` install, resolved from
# pyproject.toml's ranges in a throw-away virtual environment with every extra (all + test).
#   scripts/lock.sh            keep the versions already locked where the ranges still admit them
#   scripts/lock.sh --upgrade  take the newest versions the ranges admit
# Then run `make test`: the lock is only "tested" once the suite has passed on it. Prints nothing on
# standard output; pip's chatter goes to standard error.
set -euo pipefail
exec 1>&2
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3.11}
LOCK=requirements.lock
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

"$PYTHON" -m venv "$tmp/venv"
pip=("$tmp/venv/bin/python" -m pip --disable-pip-version-check)
constraints=()
if [ "${1:-}" != "--upgrade" ] && [ -f "$LOCK" ]; then
  # Keep locked versions: pass the old lock as constraints, minus packages the ranges no longer admit.
  constraints=(-c "$LOCK")
fi
"${pip[@]}" install --quiet --upgrade "${constraints[@]}" pip
"${pip[@]}" install --quiet "${constraints[@]}" -e '.[all,test]'
"${pip[@]}" check
{
  echo "# The exact set of packages Centinela is tested with (Python 3.11, Linux), every extra included."
  echo "# Installed by \`make demo\` / \`make test\` as pip constraints; made by scripts/lock.sh from the ranges"
  echo "# in pyproject.toml. Edit pyproject.toml, not this file."
  "${pip[@]}" freeze --all --exclude-editable | grep -v -E '^(centinela|setuptools|wheel)[= ]' | LC_ALL=C sort -f
} > "$tmp/lock"
mv "$tmp/lock" "$LOCK"
echo "wrote $LOCK ($(grep -vc '^#' "$LOCK") packages)"
