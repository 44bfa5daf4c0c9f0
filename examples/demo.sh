#!/usr/bin/env bash
# `make demo`: a day's work on the fictional example register, in a temporary git repository.
# It never touches this repository's register/ or its git history.
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/meti-pi-demo.XXXXXX")
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
out="$work/out"
mkdir -p "$out"

step() { printf '\n\033[1m== %s\033[0m\n$ %s\n' "$1" "${*:2}"; "${@:2}"; }
# Commands whose exit code 1 means "findings to act on" are shown, not fatal.
shows() { printf '\n\033[1m== %s\033[0m\n$ %s\n' "$1" "${*:2}"; "${@:2}" || [ $? -eq 1 ]; }

step "Validate the register (schema, references, 別表, rule findings)" meti-pi validate
step "A file with its division, systems (別表 甲/乙) and contractors" meti-pi show F-2026-S1J6E5

#@classify
#@notify
#@incident
#@inspect
#@status

step "The audit trail of this session" meti-pi history -n 10
printf '\nThe demo register is in %s (a throwaway copy; delete it when done).\n' "$work"
