#!/usr/bin/env bash
# Counts the instructions one operation of a benchmark in the bench module
# executes, with valgrind's callgrind: unlike ns/op, the count does not move
# with whatever else the machine is doing, so it cross-checks ratios taken
# on a noisy machine. It covers user space only (no system calls' work), so
# use it for CPU-bound rows such as the cookie stores, not for files or
# networks.
#
# Usage: scripts/instructions.sh 'NewSession/sessionkit-cookie$' ...
# Each pattern must match exactly one benchmark. Needs valgrind.
set -euo pipefail
cd "$(dirname "$0")/../bench"
bin=$(mktemp -d)
trap 'rm -rf "$bin"' EXIT
go test -c -o "$bin/bench.test" .
count() { # pattern, iterations
	GODEBUG=asyncpreemptoff=1 GOMAXPROCS=1 valgrind --tool=callgrind \
		--callgrind-out-file="$bin/cg.out" "$bin/bench.test" \
		-test.run '^$' -test.bench "$1" -test.benchtime "${2}x" 2>&1 |
		sed -n 's/^==[0-9]*== Collected : //p'
}
# The difference of two runs cancels start-up and set-up.
lo=1000 hi=3000
for pat in "$@"; do
	a=$(count "$pat" $lo)
	b=$(count "$pat" $hi)
	printf '%s\t%d instructions/op\n' "$pat" $(((b - a) / (hi - lo)))
done
