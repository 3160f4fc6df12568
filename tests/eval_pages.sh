#!/bin/sh
# tests/eval_pages.sh — the page extractor on ../shared/pages (called by `make eval` as
# `sh tests/eval_pages.sh ../shared`, with CLAIMCTL set).
#
# Scores `claimctl page --text` on the 123 real news pages of $SHARED/pages with their own
# scorer (4-token shingles, precision and recall averaged over pages) and prints its last
# line prefixed "pages: ", then the issue's target beside it. Exits non-zero only below the
# floor (a little under what the extractor reaches, so that a regression fails CI):
#   floor:  f1 >= 0.97, precision >= 0.97      target: f1 >= 0.97, precision >= 0.95
#   (reached: f1 0.979, precision 0.979, recall 0.980)
# Prints "pages: skipped" when $SHARED/pages is not there. VERBOSE=1 shows the worst pages.
set -u
SHARED=${1:-../shared}
CLAIMCTL=${CLAIMCTL:-./claimctl}
PY=/usr/bin/python3
FLOOR_F1=${PAGES_FLOOR_F1:-0.97}
FLOOR_P=${PAGES_FLOOR_PRECISION:-0.97}

if [ ! -f "$SHARED/pages/score_pages.py" ]; then
	echo "pages: skipped ($SHARED/pages not found)"
	exit 0
fi
if [ ! -x "$CLAIMCTL" ]; then
	echo "pages: skipped ($CLAIMCTL not built)"
	exit 0
fi
worst=0
[ "${VERBOSE:-0}" = 1 ] && worst=15
out=$("$PY" "$SHARED/pages/score_pages.py" --worst "$worst" -- "$CLAIMCTL" page --text --url '{url}' -) || {
	echo "pages: scorer failed"
	exit 1
}
[ "${VERBOSE:-0}" = 1 ] && printf '%s\n' "$out" | sed '$d' >&2
line=$(printf '%s\n' "$out" | tail -n 1)
echo "pages: $line"
echo "pages: target f1 >= 0.97 with precision >= 0.95 (trafilatura 0.957, Readability.js 0.944); floor f1 $FLOOR_F1 precision $FLOOR_P"
f1=$(printf '%s\n' "$line" | awk '{for (i = 1; i < NF; i++) if ($i == "f1") print $(i + 1)}')
p=$(printf '%s\n' "$line" | awk '{for (i = 1; i < NF; i++) if ($i == "precision") print $(i + 1)}')
if [ -z "$f1" ] || [ -z "$p" ] ||
	! awk -v f="$f1" -v p="$p" -v mf="$FLOOR_F1" -v mp="$FLOOR_P" 'BEGIN { exit !(f + 0 >= mf + 0 && p + 0 >= mp + 0) }'; then
	echo "pages: below the floor (f1 $f1, precision $p)"
	exit 1
fi
exit 0
