#!/bin/sh
# tests/eval_tagger.sh — the part-of-speech tagger and noun-phrase chunker on the UD English
# Web Treebank's test split (called by `make eval` as `sh tests/eval_tagger.sh ../shared`).
#
# Runs `claimctl tag --conllu` (the shipped model, conf/lexicon/tagger.model unless
# CLAIMD_LEXICON_DIR says otherwise) on $1/ud-en-ewt/en_ewt-ud-test.conllu.gz with the
# treebank's own tokens and prints its lines:
#   tagger: upos X (tokens N)                                   the target: >= 0.955
#   tagger: upos on claim-stage tokens X (...)                  as daemon/claims/sent.c cuts them
#   chunker: np f1 X (...)                                      against noun phrases from the trees
#   chunker: np f1 on the treebank's own tags X (...)           the chunk rules alone
# Exits non-zero when upos falls below TAGGER_MIN (default 0.953, a little under the 0.9561
# of the shipped model) or the chunk F1 below CHUNK_MIN (default 0.86). Prints
# "tagger: skipped" when the treebank is absent. Env: CLAIMCTL (default $BINDIR/claimctl).
set -u
SHARED=${1:-../shared}
UD="$SHARED/ud-en-ewt/en_ewt-ud-test.conllu.gz"
CLAIMCTL=${CLAIMCTL:-${BINDIR:-.}/claimctl}
MIN=${TAGGER_MIN:-0.953}
CMIN=${CHUNK_MIN:-0.86}
ROOT=$(cd "$(dirname "$0")/.." && pwd)

if [ ! -f "$UD" ]; then
	echo "tagger: skipped ($UD not found)"
	exit 0
fi
if [ ! -x "$CLAIMCTL" ]; then
	echo "tagger: failed ($CLAIMCTL not built; run make)"
	exit 1
fi
lex=${CLAIMD_LEXICON_DIR:-$ROOT/conf/lexicon}
out=$(gzip -dc "$UD" | "$CLAIMCTL" tag --lexicon "$lex" --conllu -) || {
	echo "tagger: failed (claimctl tag exited $?)"
	exit 1
}
printf '%s\n' "$out"
fail=0
upos=$(printf '%s\n' "$out" | sed -n 's/^tagger: upos \([0-9.]*\) (tokens.*/\1/p')
f1=$(printf '%s\n' "$out" | sed -n 's/^chunker: np f1 \([0-9.]*\) (precision.*/\1/p')
if [ -z "$upos" ] || ! awk -v v="$upos" -v m="$MIN" 'BEGIN { exit !(v + 0 >= m + 0) }'; then
	echo "tagger: target missed: upos ${upos:-none} < $MIN"
	fail=1
fi
if [ -z "$f1" ] || ! awk -v v="$f1" -v m="$CMIN" 'BEGIN { exit !(v + 0 >= m + 0) }'; then
	echo "chunker: target missed: np f1 ${f1:-none} < $CMIN"
	fail=1
fi
exit $fail
