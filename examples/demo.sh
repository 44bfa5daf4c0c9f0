#!/usr/bin/env bash
# `make demo`: a day's work on the fictional example register, in a temporary git repository.
# It never touches this repository's register/ or its git history.
set -euo pipefail

# shellcheck source=examples/scratch.sh
source "$(dirname "$0")/scratch.sh" demo
out="$work/out"
export COLUMNS="${COLUMNS:-120}"  # rich tables read better wider than 80 columns off a terminal
mkdir -p "$out"

# Titles in bold on a terminal; written to a file or a pipe, plain text.
if [ -t 1 ]; then bold=$'\033[1m' plain=$'\033[0m'; else bold='' plain=''; fi
title() { printf '\n%s== %s%s\n$ %s\n' "$bold" "$1" "$plain" "$2"; }
step() { title "$1" "${*:2}"; "${@:2}"; }
# Commands whose exit code 1 means "findings to act on" are shown, not fatal.
shows() { title "$1" "${*:2}"; "${@:2}" || [ $? -eq 1 ]; }
# A pipeline, shown as it is typed (from the demo folder, the current directory).
piped() { title "$1" "$2"; bash -o pipefail -c "$2"; }

step "Validate the register (schema, references, 別表, rule findings)" meti-pi validate
step "A file with its division, systems (別表 甲/乙) and contractors" meti-pi show F-2026-S1J6E5

step "Classify a Shift_JIS dataset (counts and column names only; no cell value is ever shown)" meti-pi classify datasets/applicants_sjis.csv
# Piped, --json is one line (as scripts read it); json.tool lays it out to read here (sed, not
# head, reads to the end: json.tool stopped by a closed pipe would fail the demo).
piped "Classify a payroll workbook holding 個人番号 (JSON, first lines)" "meti-pi classify datasets/payroll.xlsx --json | python3 -m json.tool --no-ensure-ascii | sed -n 1,40p"
# The health-check file (F-2026-FZRXZV) has 4,812 本人 on record; health_check.csv is a 30-row sample
# of it. A scan of a sample shows what the columns hold, not the file's 本人の数 (recorded, it would put
# the file under 74-2-9): the file's facts are stated by its 管理者 and recorded with --profile.
step "Scan a 30-row sample of file F-2026-FZRXZV (4,812 本人 on record): what its columns hold; the count below is the sample's" meti-pi classify datasets/health_check.csv
piped "The file's facts as its 管理者 states them (the sample showed a 既往歴 column: 病歴)" "head -n 20 datasets/health_check.profile.yaml"
step "Record the file's class from its stated facts into its ファイル簿 record (one audited commit)" meti-pi classify --profile datasets/health_check.profile.yaml --record F-2026-FZRXZV
shows "Which Art. 35/36 notices are missing, late or stale" meti-pi notify --check
step "Draft the notices a file requires (Markdown and Word), recorded in the 台帳" meti-pi notify F-2026-CT38TF --late-reason "自己点検で判明した通知漏れ" --out "$out/notices"
piped "The draft notice (first lines)" "head -n 40 out/notices/*.md"
step "A change notice, as Word" meti-pi notify F-2026-WS4AX4 --kind 35-1 --format docx --out "$out/notices"
step "The public 個人情報ファイル簿 (Markdown; also csv, xlsx)" meti-pi export filebook --format md --out "$out/filebook.md"
step "Open an incident: a USB stick with 150 applicants' data was lost" meti-pi incident open --known-on 2026-11-24 --division chusho-keiei-shien --file F-2026-S1J6E5 --principals 150 --no-encrypted --summary "補助金申請書類の写しを保存したUSBメモリを庁舎外で紛失した"
step "Incidents with their deadlines" meti-pi incident list --open
step "The Art. 41 checklist of a 甲 division (generated, pre-filled)" meti-pi inspect --division kanbo-joho-system
step "The year's inspection report for the 副総括 (Word)" meti-pi inspect --report --format docx --out "$out/inspection-2026.docx"
shows "Everything due or overdue" meti-pi status --check

step "The audit trail of this session" meti-pi history -n 10
printf '\nThe demo register is in %s (a throwaway copy; delete it when done).\n' "$work"
