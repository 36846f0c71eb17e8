#!/bin/sh
# scripts/deps.sh - make sure the Debian packages a make target needs are installed.
#
#   scripts/deps.sh lab     what `make lab-counter` needs: a C compiler, make, cmake
#   scripts/deps.sh test    what `make test` needs: also clang with its TSan runtime,
#                           llvm (llvm-symbolizer: without it TSan reports carry no
#                           file or function names), CUnit, libatomic_ops, pkg-config,
#                           Concurrency Kit and liburcu (bench baselines), jansson
#                           (the racelab harness), valgrind (Helgrind and DRD),
#                           and for lab-counter's --model redis and postgres: the
#                           servers (redis-server, postgresql) and their client
#                           libraries (libhiredis-dev, libpq-dev)
#
# Missing packages are installed with apt-get when running as root; otherwise
# the script stops with the exact command to run. Exit 0 when all is present.
set -eu

what=${1:-test}
case "$what" in
lab)  pkgs="make cmake gcc libc6-dev" ;;
test) pkgs="make cmake gcc libc6-dev clang llvm pkg-config libcunit1-dev libatomic-ops-dev libck-dev liburcu-dev libjansson-dev valgrind"
      pkgs="$pkgs redis-server libhiredis-dev postgresql libpq-dev" ;;   # --model redis, postgres
*)    echo "deps.sh: unknown set '$what' (valid: lab, test)" >&2; exit 2 ;;
esac
# racelab check FILE.c -- -fopenmp and racelab doctor's openmp check (issue 14)
[ "$what" = test ] && pkgs="$pkgs libomp-14-dev"

if ! command -v dpkg-query >/dev/null 2>&1; then
    echo "deps.sh: not a Debian system (no dpkg-query); make sure these are installed: $pkgs" >&2
    exit 0
fi

installed() {
    [ "$(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null)" = installed ]
}

# clang's ThreadSanitizer runtime ships separately, in libclang-rt-<major>-dev.
# Its name depends on the clang that is (or will be) installed.
clang_rt() {
    v=$(clang --version 2>/dev/null | sed -n 's/.*clang version \([0-9][0-9]*\).*/\1/p' | head -n 1)
    [ -n "$v" ] && echo "libclang-rt-$v-dev"
}

missing=""
for p in $pkgs; do
    installed "$p" || missing="$missing $p"
done
if [ "$what" = test ] && command -v clang >/dev/null 2>&1; then
    rt=$(clang_rt)
    [ -n "$rt" ] && ! installed "$rt" && missing="$missing $rt"
fi
missing=${missing# }

if [ -n "$missing" ]; then
    if [ "$(id -u)" -ne 0 ]; then
        echo "racelab: missing Debian packages: $missing" >&2
        echo "racelab: install them with: sudo apt-get install -y $missing" >&2
        exit 1
    fi
    echo "racelab: installing missing Debian packages: $missing"
    export DEBIAN_FRONTEND=noninteractive
    # A fresh machine may have no package lists yet: update once, then retry.
    # shellcheck disable=SC2086
    if ! apt-get install -y --no-install-recommends $missing; then
        apt-get update
        apt-get install -y --no-install-recommends $missing
    fi
fi

# clang may have just been installed: its runtime package is known only now.
if [ "$what" = test ] && command -v clang >/dev/null 2>&1; then
    rt=$(clang_rt)
    if [ -n "$rt" ] && ! installed "$rt"; then
        if [ "$(id -u)" -ne 0 ]; then
            echo "racelab: missing Debian package: $rt (clang's ThreadSanitizer runtime)" >&2
            echo "racelab: install it with: sudo apt-get install -y $rt" >&2
            exit 1
        fi
        echo "racelab: installing clang's ThreadSanitizer runtime: $rt"
        DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "$rt"
    fi
fi
exit 0
