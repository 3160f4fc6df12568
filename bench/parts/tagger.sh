#!/bin/sh
# bench/parts/tagger.sh — part-of-speech tagger throughput, in process (make bench).
#
# With $1/ud-en-ewt (../shared): builds bench/tag_core.c against libclaimd.a and times, on
# the treebank's test split (best of TAGGER_RUNS, default 5):
#   model load                 tagger_load() of conf/lexicon/tagger.model
#   tagging                    tagger_tag_words() on the treebank's own tokens: words/s
#   first pass alone           tagger_tag_words_fast()
#   tokenize+tag+chunk         what the claim stage would run: sent_tokenize(),
#                              tagger_tag_toks(), np_chunks() on the sentences' text
#   yardstick                  claims_extract() on the same text (one sentence a paragraph)
# and the ratio of the claim-stage path's time to claims_extract()'s. Without the treebank it
# prints "skipped". Env: BUILD (the build dir holding libclaimd.a, default build).
set -u
SHARED=${1:-../shared}
UD="$SHARED/ud-en-ewt/en_ewt-ud-test.conllu.gz"
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
lib="$ROOT/${BUILD:-build}/libclaimd.a"
if [ ! -f "$UD" ]; then
	echo "tagger: skipped ($UD not found)"
	exit 0
fi
if [ ! -f "$lib" ]; then
	echo "tagger: skipped (${BUILD:-build}/libclaimd.a not built; run make)"
	exit 0
fi
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT INT TERM
gzip -dc "$UD" > "$TMP/test.conllu"
if ! cc -O2 -I"$ROOT/include" -o "$TMP/tag_core" "$ROOT/bench/tag_core.c" "$lib" \
	$(pkg-config --libs jansson libcrypto) -lm; then
	echo "tagger: failed (bench/tag_core.c did not build)"
	exit 1
fi
"$TMP/tag_core" "${CLAIMD_LEXICON_DIR:-$ROOT/conf/lexicon}" "$TMP/test.conllu" "${TAGGER_RUNS:-5}" ||
	{ echo "tagger: failed"; exit 1; }
