# Sourced by demo.sh and render.sh: a throwaway git repository holding a copy of the fictional
# example register and datasets, with METI_PI_REGISTER and METI_PI_TODAY set. Sets $here, $work.
here=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/meti-pi-${1:-demo}.XXXXXX")
cp -R "$here/examples/register" "$work/register"
cp -R "$here/examples/datasets" "$work/datasets"
cd "$work"
git init -q -b main
git config user.name "デモ職員"
git config user.email "demo@meti-pi.invalid"
git add -A
git commit -q -m "example register (fictional)"

export METI_PI_REGISTER="$work/register"
export METI_PI_TODAY="${METI_PI_TODAY:-2026-11-26}"
