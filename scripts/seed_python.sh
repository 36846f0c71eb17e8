#!/bin/sh
# scripts/seed_python.sh BINDIR - `make seed-python`: the seed's Python
# counter (scripts/seed_counter.py) run 5 times by each Python found, then
# the gil model of lab-counter with the check points of Python <= 3.9
# (every) and >= 3.10 (backedge). Pythons: $PYTHON, python3, and python3.9
# if it is on PATH or under pyenv.
set -eu
bindir=${1:-build/bin}
here=$(dirname "$0")
runs=5

pythons=""
for p in ${PYTHON:-} python3 python3.9 $(ls -d "${PYENV_ROOT:-$HOME/.pyenv}"/versions/3.9*/bin/python3 2>/dev/null || true); do
    "$p" -c "pass" >/dev/null 2>&1 || continue
    real=$("$p" -c "import sys; print(sys.executable)")
    case " $pythons " in *" $real "*) continue ;; esac
    pythons="$pythons $real"
done

echo "The seed's Python counter (2 threads x 100000 'counter += 1'; the seed printed 156432):"
if [ -z "$pythons" ]; then
    echo "  no python3 on this machine (apt-get install python3)"
fi
for p in $pythons; do
    v=$("$p" -c 'import sys; print("%d.%d.%d" % sys.version_info[:3])')
    out=""
    i=0
    while [ $i -lt $runs ]; do
        out="$out $("$p" "$here/seed_counter.py")"
        i=$((i + 1))
    done
    echo "  Python $v ($p):$out"
done
echo ""
echo "The model (lab-counter --model gil --variant racy, 5 trials each):"
for cp in every backedge; do
    res=$("$bindir/lab-counter" --model gil --variant racy --check-points "$cp" --trials $runs --json |
          sed -n 's/.*"kind":"trial".*"observed":\([0-9]*\).*/\1/p' | tr '\n' ' ')
    case $cp in every) who="Python <= 3.9" ;; *) who="Python >= 3.10" ;; esac
    echo "  --check-points $cp ($who): $res"
done
res=$("$bindir/lab-counter" --model gil --variant racy --no-gil --trials $runs --json |
      sed -n 's/.*"kind":"trial".*"observed":\([0-9]*\).*/\1/p' | tr '\n' ' ')
echo "  --no-gil (free-threaded 3.13t): $res"
