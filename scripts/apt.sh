# Sourced by the set-up scripts. apt_install WHAT PACKAGE...: install Debian packages (as root, or through
# sudo) with everything apt-get prints on standard error; WHAT names them for the message shown where there
# is no apt-get (then it returns 1).
apt_install() {
  local what=$1 sudo=""
  shift
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "$what is missing and there is no apt-get here: install it ($*) with your package manager and run again." >&2
    return 1
  fi
  [ "$(id -u)" = 0 ] || sudo="sudo"
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -q >&2
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$@" >&2
}
