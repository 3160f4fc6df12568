#!/bin/sh
# make bench: runs every bench/parts/*.sh with the shared yardsticks directory as $1.
# Each part prints its own figures as ratios against the yardsticks measured in the same run.
set -e
shared=${1:-../shared}
for part in "$(dirname "$0")"/parts/*.sh; do
	[ -e "$part" ] || continue
	echo "== $(basename "$part" .sh)"
	sh "$part" "$shared"
done
