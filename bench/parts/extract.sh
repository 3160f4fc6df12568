#!/bin/sh
# bench/parts/extract.sh — claim extraction throughput (make bench).
#
# With $1/bench/make_corpus.py (../shared): generates a feed corpus (EXTRACT_CORPUS, default
# 20M), runs `claimctl parse` on it (the feed → article stage, timed), takes the articles'
# text from its output and runs `claimctl extract` on it, one file per article (timed). Prints MB of
# text per second and articles per second for extraction next to the parse stage's
# figures: extraction must keep up with parsing (ratio > 1).
# Without ../shared that part prints "skipped"; the second part always runs: our own
# fixture articles (tests/fixtures/articles) repeated to EXTRACT_OWN_MB (default 10) MB.
set -u
SHARED=${1:-../shared}
CLAIMCTL=${CLAIMCTL:-./claimctl}
PY=/usr/bin/python3
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT INT TERM

now() { date +%s.%N; }
rate() { awk -v n="$1" -v a="$2" -v b="$3" 'BEGIN { d = b - a; if (d <= 0) d = 1e-9; printf "%.2f", n / d }'; }
mb() { awk -v n="$1" 'BEGIN { printf "%.2f", n / 1e6 }'; }

if [ ! -x "$CLAIMCTL" ]; then
	echo "extract: $CLAIMCTL not built" >&2
	exit 1
fi

# extract_dir DIR: runs extract on every article file (a-*.txt, many per process),
# prints "bytes t0 t1 claims articles"
extract_dir() {
	bytes=$(find "$1" -name 'a-*.txt' -exec cat {} + | wc -c)
	n=$(find "$1" -name 'a-*.txt' | wc -l)
	t0=$(now)
	find "$1" -name 'a-*.txt' | sort | xargs -n 2000 "$CLAIMCTL" extract --published 2019-11-19T12:00:00Z > "$TMP/claims.jsonl" || return 1
	t1=$(now)
	echo "$bytes $t0 $t1 $(wc -l < "$TMP/claims.jsonl") $n"
}

if [ -f "$SHARED/bench/make_corpus.py" ]; then
	mkdir -p "$TMP/corpus"
	"$PY" "$SHARED/bench/make_corpus.py" --size "${EXTRACT_CORPUS:-20M}" --seed 1 --out "$TMP/corpus" >/dev/null 2>&1
	feed_bytes=$(cat "$TMP"/corpus/*.xml | wc -c)
	t0=$(now)
	"$CLAIMCTL" parse "$TMP"/corpus/*.xml > "$TMP/articles.jsonl" 2>/dev/null
	prc=$?
	t1=$(now)
	narticles=$(wc -l < "$TMP/articles.jsonl")
	if [ "$narticles" -eq 0 ]; then
		echo "extract: skipped corpus part (claimctl parse gave no articles, exit $prc)"
	else
		tbytes=$("$PY" -c 'import json, sys
print(sum(len((json.loads(l).get("text") or "").encode()) for l in open(sys.argv[1], encoding="utf-8")))' "$TMP/articles.jsonl")
		e0=$(now)
		"$CLAIMCTL" extract --articles "$TMP/articles.jsonl" > "$TMP/claims.jsonl" || { echo "extract: failed"; exit 1; }
		e1=$(now)
		nclaims=$(wc -l < "$TMP/claims.jsonl")
		echo "parse:   $(mb "$feed_bytes") MB of feeds, $narticles articles: $(rate "$feed_bytes" "$t0" "$t1" | awk '{ printf "%.2f", $1 / 1e6 }') MB/s, $(rate "$narticles" "$t0" "$t1") articles/s"
		echo "extract: $(mb "$tbytes") MB of article text, $nclaims claims: $(rate "$tbytes" "$e0" "$e1" | awk '{ printf "%.2f", $1 / 1e6 }') MB/s of text, $(rate "$narticles" "$e0" "$e1") articles/s"
		# the extraction call alone, in process (what the daemon does per article)
		lib=${BUILD:-build}/libclaimd.a
		if [ -f "$ROOT/$lib" ] && cc -O2 -I"$ROOT/include" -o "$TMP/extract_core" "$ROOT/bench/extract_core.c" \
			"$ROOT/$lib" $(pkg-config --libs jansson libcrypto) -lm 2>/dev/null; then
			echo "extract (claims_extract() alone): $("$TMP/extract_core" "${CLAIMD_LEXICON_DIR:-$ROOT/conf/lexicon}" "$TMP/articles.jsonl")"
		else
			echo "extract (claims_extract() alone): skipped ($lib not built)"
		fi
		awk -v a="$t0" -v b="$t1" -v c="$e0" -v d="$e1" 'BEGIN {
			p = b - a; e = d - c; if (e <= 0) e = 1e-9
			printf "extract: %.1fx the parse stage'"'"'s article rate (> 1: extraction is not the bottleneck)\n", p / e }'
	fi
else
	echo "extract: skipped corpus part ($SHARED/bench/make_corpus.py not found)"
fi

# our own fixture articles, repeated (one file per copy)
if ls "$ROOT"/tests/fixtures/articles/*.txt >/dev/null 2>&1; then
	mkdir -p "$TMP/own"
	copies=${EXTRACT_OWN_COPIES:-3000}
	k=0
	for f in "$ROOT"/tests/fixtures/articles/*.txt; do
		sed '1{/^Published:/d;/^URL:/d}' "$f" > "$TMP/one-$k.txt"
		k=$((k + 1))
	done
	c=0
	while [ "$c" -lt "$copies" ]; do
		j=0
		while [ "$j" -lt "$k" ]; do
			cp "$TMP/one-$j.txt" "$TMP/own/a-$(printf %06d "$c")-$j.txt"
			j=$((j + 1))
		done
		c=$((c + 1))
	done
	set -- $(extract_dir "$TMP/own") || { echo "extract: failed"; exit 1; }
	echo "extract (own fixtures, $5 articles): $(mb "$1") MB, $4 claims: $(rate "$1" "$2" "$3" | awk '{ printf "%.2f", $1 / 1e6 }') MB/s of text, $(rate "$5" "$2" "$3") articles/s"
fi
