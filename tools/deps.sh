#!/bin/sh
# Installs the Debian packages the build and the tests need (when run as
# root), or prints the exact apt-get line for the user to run.
# Extra packages can be passed as arguments (e.g. libpython3.11-testsuite).
set -e
need="gcc make python3 python3-dev python3-pytest pypy3 libcapstone-dev $*"
missing=""
for p in $need; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
        missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" = 0 ]; then
    echo "installing:$missing"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null || true
    apt-get install -y -qq $missing >/dev/null
else
    echo "missing packages; run:"
    echo "  sudo apt-get install -y$missing"
    exit 1
fi
