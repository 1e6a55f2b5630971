# Sourced by the scripts/*/install.sh: the one way they install Debian packages.
#   apt_install TAG PACKAGE...
# Needs root (else one line naming the packages, exit 1). Package daemons are
# kept from starting on install (they would listen on every address) by a
# /usr/sbin/policy-rc.d that exits 101, removed again afterwards when this
# created it.
apt_install () {
  local tag=$1; shift
  if [ "$(id -u)" -ne 0 ]; then
    echo "$tag: missing packages $*; run this script as root" >&2
    exit 1
  fi
  local created_policy=0
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
    chmod 755 /usr/sbin/policy-rc.d
    created_policy=1
  fi
  echo "$tag: installing $*"
  local rc=0
  { DEBIAN_FRONTEND=noninteractive apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null; } || rc=$?
  if [ $created_policy -eq 1 ]; then rm -f /usr/sbin/policy-rc.d; fi
  if [ $rc -ne 0 ]; then echo "$tag: apt-get failed (exit $rc)" >&2; exit $rc; fi
  echo "$tag: installed"
}
