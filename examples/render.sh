#!/usr/bin/env bash
# `make render`: every document meti-pi writes, from the example register, as md/docx/xlsx and
# then as PDF and PNG pages (LibreOffice + poppler), so a person can look at each page.
# Like `make demo` it works in a temporary copy and never touches this repository.
set -euo pipefail

if ! command -v soffice >/dev/null 2>&1 || ! command -v pdftoppm >/dev/null 2>&1; then
    echo "make render: skipped — LibreOffice (soffice) and poppler (pdftoppm) are needed to render pages."
    echo "  Debian/Ubuntu: apt-get install libreoffice-writer libreoffice-calc poppler-utils fonts-noto-cjk fonts-ipaexfont"
    echo "  The documents themselves are still tested without them (make test)."
    exit 0
fi

# shellcheck source=examples/scratch.sh
source "$(dirname "$0")/scratch.sh" render
docs="$work/docs"
mkdir -p "$docs"
quiet() { "$@" >/dev/null 2>&1 || { echo "failed: $*" >&2; "$@" >/dev/null || true; }; }
ids() { meti-pi notify "$@" --json | python3 -c 'import json,sys; print(" ".join(d["id"] for d in json.load(sys.stdin)["drafted"]))'; }

echo "== drafting every document kind into $docs"
# Notices: 35(1) (late), a change notice of 35(1), a pending 35(1) redrafted, each as md and docx.
notices="$(ids F-2026-CT38TF --late-reason "自己点検で判明した通知漏れ" --out "$docs") $(ids F-2026-WS4AX4 --kind 35-1 --out "$docs")"
notices="$notices $(ids F-2026-5TV229 --kind 35-1 --redraft --out "$docs" || true)"
# Notices recorded long ago, rendered again from the register as it was then: 35(3) and 36.
for n in N-2023-WSEF70 N-2025-9R58DH; do
    quiet meti-pi notify render "$n" --out "$docs"
    notices="$notices $n"
done
for n in $notices; do
    quiet meti-pi notify render "$n" --format docx --out "$docs"
done
# Incidents: 速報, 確報, 本人 notice, publication.
for k in preliminary final principal-notice publication; do
    quiet meti-pi incident report INC-2026-H0JQNC --kind "$k" --format docx --out "$docs"
    meti-pi incident report INC-2026-H0JQNC --kind "$k" --format md > "$docs/INC-2026-H0JQNC-$k.md" 2>/dev/null || true
done
# The year's inspection report, the public ファイル簿.
for f in md docx xlsx; do
    quiet meti-pi inspect --report --year 2025 --format "$f" --out "$docs/inspection-2025.$f"
done
for f in md xlsx docx; do
    quiet meti-pi export filebook --format "$f" --out "$docs/filebook.$f"
done

echo "== converting to PDF and PNG"
pages="$work/pages"
mkdir -p "$pages"
profile="$work/lo-profile"
conv="$work/conv"  # inspection-2025.docx and .xlsx would both become inspection-2025.pdf
mkdir -p "$conv"
for f in "$docs"/*.docx "$docs"/*.xlsx; do
    [ -e "$f" ] || continue
    name=$(basename "$f")
    cp "$f" "$conv/${name%.*}-${name##*.}.${name##*.}"
done
soffice -env:UserInstallation="file://$profile" --headless --convert-to pdf --outdir "$pages" "$conv"/* >/dev/null 2>&1 \
    || echo "LibreOffice could not convert every document" >&2
for pdf in "$pages"/*.pdf; do
    [ -e "$pdf" ] || continue
    pdftoppm -r 60 -png "$pdf" "${pdf%.pdf}"
done
echo "Documents: $docs"
echo "Pages (PDF and one PNG per page): $pages"
ls "$pages"
