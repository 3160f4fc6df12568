#!/bin/sh
# tests/eval.sh — claim extraction scores (called by `make eval` as tests/eval.sh ../shared).
#
# Runs ./claimctl extract on the seed article, on the wire articles of
# $SHARED/fixtures/wire (their "URL:" header line skipped; a /YYYY/MM/DD/ in the URL gives
# --published) and on our own articles in tests/fixtures/articles, scores each set with
# $SHARED/fixtures/score_claims.py (our own set with the same scorer when ../shared is
# there, else with tests/score_claims_local.py if present), prints the summary lines and
# exits non-zero when a target is missed.
#   seed:  recall >= 0.95, precision >= 0.90, speaker >= 0.90, stance >= 0.90, quantities 1.0
#   wire:  recall >= 0.90, precision >= 0.80, exact >= 0.65
#   own:   recall >= 0.90, precision >= 0.80, exact >= 0.65
# Set VERBOSE=1 to see the scorer's MISSED/EXTRA/SPEAKER/STANCE lines.
set -u
SHARED=${1:-../shared}
CLAIMCTL=${CLAIMCTL:-./claimctl}
PY=/usr/bin/python3
ROOT=$(cd "$(dirname "$0")/.." && pwd)
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT INT TERM
fail=0

# check NAME SUMMARY key>=min ...
check() {
	name=$1; line=$2; shift 2
	echo "$name: $line"
	for t in "$@"; do
		key=${t%%>=*}; min=${t#*>=}
		val=$(printf '%s\n' "$line" | awk -v k="$key" '{for (i = 1; i < NF; i++) if ($i == k) print $(i + 1)}')
		if [ -z "$val" ] || ! awk -v v="$val" -v m="$min" 'BEGIN { exit !(v + 0 >= m + 0) }'; then
			echo "$name: target missed: $key $val < $min"
			fail=1
		fi
	done
}

score() { # GOLD SYSTEM -> summary line (details when VERBOSE=1)
	out=$("$PY" "$SCORER" "$1" "$2")
	[ "${VERBOSE:-0}" = 1 ] && printf '%s\n' "$out" | sed '$d' >&2
	printf '%s\n' "$out" | tail -n 1
}

# extract FILE: article text with an optional header ("URL: ..." or "Published: ...")
extract() {
	f=$1
	first=$(head -n 1 "$f")
	pub=""
	case "$first" in
	URL:*)
		pub=$(printf '%s\n' "$first" | sed -n 's|.*/\(20[0-9][0-9]\)/\([01][0-9]\)/\([0-3][0-9]\)/.*|\1-\2-\3T12:00:00Z|p')
		tail -n +2 "$f" > "$TMP/body.txt" ;;
	Published:*)
		pub=$(printf '%s\n' "$first" | sed 's/^Published:[[:space:]]*//')
		tail -n +2 "$f" > "$TMP/body.txt" ;;
	*)
		cp "$f" "$TMP/body.txt" ;;
	esac
	if [ -n "$pub" ]; then
		"$CLAIMCTL" extract --published "$pub" "$TMP/body.txt"
	else
		"$CLAIMCTL" extract "$TMP/body.txt"
	fi
}

if [ ! -x "$CLAIMCTL" ]; then
	echo "eval: $CLAIMCTL not built" >&2
	exit 2
fi

SCORER="$SHARED/fixtures/score_claims.py"
if [ -d "$SHARED/fixtures" ] && [ -f "$SCORER" ]; then
	"$CLAIMCTL" extract --published 2023-11-02T00:15:00Z "$SHARED/fixtures/seed/article.txt" > "$TMP/seed.jsonl" || fail=1
	check seed "$(score "$SHARED/fixtures/seed/claims.jsonl" "$TMP/seed.jsonl")" \
		'recall>=0.95' 'precision>=0.90' 'speaker>=0.90' 'stance>=0.90' 'quantities>=1.0'
	: > "$TMP/wire.jsonl"
	for f in "$SHARED"/fixtures/wire/articles/*.txt; do
		extract "$f" >> "$TMP/wire.jsonl" || fail=1
	done
	check wire "$(score "$SHARED/fixtures/wire/claims.jsonl" "$TMP/wire.jsonl")" \
		'recall>=0.90' 'precision>=0.80' 'exact>=0.65'
else
	echo "eval: skipped seed and wire ($SHARED/fixtures not found)"
	SCORER="$ROOT/tests/score_claims_local.py"
fi

# our own articles: tests/fixtures/articles/NAME.txt with NAME.jsonl expected
if [ -f "$SCORER" ] && ls "$ROOT"/tests/fixtures/articles/*.txt >/dev/null 2>&1; then
	: > "$TMP/own.jsonl"
	: > "$TMP/own.gold.jsonl"
	for f in "$ROOT"/tests/fixtures/articles/*.txt; do
		extract "$f" >> "$TMP/own.jsonl" || fail=1
		cat "${f%.txt}.jsonl" >> "$TMP/own.gold.jsonl"
	done
	check own "$(score "$TMP/own.gold.jsonl" "$TMP/own.jsonl")" \
		'recall>=0.90' 'precision>=0.80' 'exact>=0.65'
else
	echo "eval: skipped own articles (no scorer)"
fi
exit $fail
