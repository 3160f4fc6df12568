#!/bin/sh
# bench/parts/extract.sh — claim extraction throughput against the parse stage (make bench).
#
# With $1/bench/make_corpus.py (../shared): generates a feed corpus (EXTRACT_CORPUS, default
# 20M, seed 1) and measures, in the same run and on the same articles:
#   parse    `claimctl parse` on the feeds (feed → articles, the stage before extraction)
#   extract  claims_extract() alone, in process (bench/extract_core.c against libclaimd.a:
#            the call the daemon makes per article, no JSON text I/O in the timed part)
#   extract  `claimctl extract --articles` on parse's output (JSON in, claims as JSON lines out)
# Each is the best of EXTRACT_RUNS (default 3) whole runs. Rates are given in MB of article
# text per second and articles per second (so the three compare directly), then the ratio
# extraction ÷ parse for each extraction figure: above 1, extraction is faster than parsing
# and is not the pipeline's bottleneck. Without ../shared that part prints "skipped".
# The second part always runs: our own fixture articles (tests/fixtures/articles) copied
# EXTRACT_OWN_COPIES times (default 3000), one file per article, through `claimctl extract`.
# Env: CLAIMCTL (default ./claimctl), BUILD (the build dir holding libclaimd.a, default build).
set -u
SHARED=${1:-../shared}
CLAIMCTL=${CLAIMCTL:-./claimctl}
RUNS=${EXTRACT_RUNS:-3}
PY=/usr/bin/python3
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT INT TERM

now() { date +%s.%N; }
mb() { awk -v n="$1" 'BEGIN { printf "%.2f", n / 1e6 }'; }
# rates BYTES ARTICLES SECONDS: "X MB/s of text, Y articles/s"
rates() { awk -v b="$1" -v n="$2" -v s="$3" 'BEGIN { if (s <= 0) s = 1e-9
	printf "%7.2f MB/s of text, %7.0f articles/s", b / s / 1e6, n / s }'; }
# best_time N CMD...: the shortest wall time of N runs of CMD (stdout to $TMP/out); "" on failure
best_time() {
	n=$1
	shift
	best=""
	i=0
	while [ "$i" -lt "$n" ]; do
		t0=$(now)
		"$@" > "$TMP/out" 2>/dev/null || { echo ""; return; }
		t1=$(now)
		best=$(awk -v a="$t0" -v b="$t1" -v m="$best" 'BEGIN { d = b - a; if (m == "" || d < m) print d; else print m }')
		i=$((i + 1))
	done
	echo "$best"
}

if [ ! -x "$CLAIMCTL" ]; then
	echo "extract: skipped ($CLAIMCTL not built; run make)"
	exit 0
fi

if [ -f "$SHARED/bench/make_corpus.py" ]; then
	mkdir -p "$TMP/corpus"
	"$PY" "$SHARED/bench/make_corpus.py" --size "${EXTRACT_CORPUS:-20M}" --seed 1 --out "$TMP/corpus" >/dev/null 2>&1
	feed_bytes=$(cat "$TMP"/corpus/*.xml | wc -c)
	"$CLAIMCTL" parse "$TMP"/corpus/*.xml > "$TMP/articles.jsonl" 2>/dev/null
	narticles=$(wc -l < "$TMP/articles.jsonl")
	if [ "$narticles" -eq 0 ]; then
		echo "extract: skipped corpus part (claimctl parse gave no articles)"
	else
		tbytes=$("$PY" -c 'import json, sys
print(sum(len((json.loads(l).get("text") or "").encode()) for l in open(sys.argv[1], encoding="utf-8")))' "$TMP/articles.jsonl")
		t_parse=$(best_time "$RUNS" "$CLAIMCTL" parse "$TMP"/corpus/*.xml)
		t_ctl=$(best_time "$RUNS" "$CLAIMCTL" extract --articles "$TMP/articles.jsonl")
		nclaims=$(wc -l < "$TMP/out")
		# the extraction call alone, in process: extract_core prints its own timed seconds
		lib="$ROOT/${BUILD:-build}/libclaimd.a"
		t_core=""
		if [ -f "$lib" ] && cc -O2 -I"$ROOT/include" -o "$TMP/extract_core" "$ROOT/bench/extract_core.c" \
			"$lib" $(pkg-config --libs jansson libcrypto) -lm 2>/dev/null; then
			i=0
			while [ "$i" -lt "$RUNS" ]; do
				s=$("$TMP/extract_core" "${CLAIMD_LEXICON_DIR:-$ROOT/conf/lexicon}" "$TMP/articles.jsonl" |
					sed -n 's/.*, \([0-9.]*\) s)$/\1/p')
				t_core=$(awk -v a="$s" -v m="$t_core" 'BEGIN { if (m == "" || a < m) print a; else print m }')
				i=$((i + 1))
			done
		fi
		echo "corpus: $(mb "$feed_bytes") MB of feeds, $narticles articles, $(mb "$tbytes") MB of article text, $nclaims claims; best of $RUNS runs"
		if [ -n "$t_parse" ]; then
			echo "parse stage  (claimctl parse):              $(rates "$tbytes" "$narticles" "$t_parse")   ($(awk -v b="$feed_bytes" -v s="$t_parse" 'BEGIN { printf "%.2f", b / s / 1e6 }') MB/s of feeds)"
		else
			echo "parse stage  (claimctl parse):              failed"
		fi
		if [ -n "$t_core" ]; then
			echo "extraction   (claims_extract() in process): $(rates "$tbytes" "$narticles" "$t_core")"
		else
			echo "extraction   (claims_extract() in process): skipped (${BUILD:-build}/libclaimd.a not built)"
		fi
		if [ -n "$t_ctl" ]; then
			echo "extraction   (claimctl extract --articles): $(rates "$tbytes" "$narticles" "$t_ctl")"
		else
			echo "extraction   (claimctl extract --articles): failed"
		fi
		# ratio NAME SECONDS: extraction rate ÷ parse rate (same articles, same bytes)
		ratio() {
			[ -n "$2" ] && [ -n "$t_parse" ] || return 0
			awk -v name="$1" -v p="$t_parse" -v e="$2" 'BEGIN { r = p / e
				v = r > 1 ? "extraction is faster than parsing" : "extraction is slower than parsing alone (bench pipeline shows the whole daemon)"
				printf "ratio        %-30s %.2fx the parse stage (articles/s and MB/s of text): %s\n", name ":", r, v }'
		}
		ratio "in process" "$t_core"
		ratio "claimctl extract" "$t_ctl"
	fi
else
	echo "extract: corpus part skipped ($SHARED/bench/make_corpus.py not found)"
fi

# our own fixture articles, repeated (one file per copy, many files per process)
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
	bytes=$(find "$TMP/own" -name 'a-*.txt' -exec cat {} + | wc -c)
	n=$(find "$TMP/own" -name 'a-*.txt' | wc -l)
	t0=$(now)
	find "$TMP/own" -name 'a-*.txt' | sort | xargs -n 2000 "$CLAIMCTL" extract --published 2019-11-19T12:00:00Z > "$TMP/own.jsonl" ||
		{ echo "extract: own fixtures failed"; exit 1; }
	t1=$(now)
	echo "own fixtures (claimctl extract FILE...):     $(rates "$bytes" "$n" "$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')")   ($n articles, $(mb "$bytes") MB, $(wc -l < "$TMP/own.jsonl") claims)"
fi
