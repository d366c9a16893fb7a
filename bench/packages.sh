# Sourced by the bench scripts: installs a Debian package when its command is missing
# (apt-get directly as root, sudo -n otherwise), so a fresh machine needs nothing by hand.
# ensure_command <command> <debian package>
ensure_command() {
  command -v "$1" >/dev/null && return 0
  echo "== installing $2 (Debian package)"
  local run=()
  [ "$(id -u)" -eq 0 ] || run=(sudo -n)
  # Keep the package's maintainer scripts from starting a system service: we start it ourselves on loopback.
  "${run[@]}" env DEBIAN_FRONTEND=noninteractive RUNLEVEL=1 apt-get update -qq
  "${run[@]}" env DEBIAN_FRONTEND=noninteractive RUNLEVEL=1 apt-get install -y -qq --no-install-recommends "$2" >/dev/null
  command -v "$1" >/dev/null || { echo "installing $2 did not provide $1"; exit 1; }
}
