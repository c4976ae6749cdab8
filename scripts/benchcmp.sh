#!/usr/bin/env bash
# Compare the matcher's speed with an earlier revision, side by side on this machine: both revisions'
# bot benchmarks (the current bench_test.go, copied into the old tree so both run the same benchmarks)
# are built once and run alternately, COUNT times each, then compared with benchstat.
#
#   scripts/benchcmp.sh OLD_REV [BENCH_REGEX]        e.g. scripts/benchcmp.sh 573103f 'Answer|Typos|IndexBuild'
#
# Needs only Go (benchstat comes through the module proxy).
set -euo pipefail
cd "$(dirname "$0")/.."
old=${1:?usage: scripts/benchcmp.sh OLD_REV [BENCH_REGEX]}
pat=${2:-.}
count=${COUNT:-6}
tmp=$(mktemp -d)
cleanup() { git worktree remove --force "$tmp/old" >/dev/null 2>&1 || true; rm -rf "$tmp"; }
trap cleanup EXIT
git worktree add -q --detach "$tmp/old" "$old"
cp bot/bench_test.go "$tmp/old/bot/bench_test.go"
# Before the matcher rewrite, knowledge.New also took the scope word lists.
if grep -q 'scope Scope' "$tmp/old/knowledge/knowledge.go"; then
  sed -i 's/knowledge.New(entries, nil, \(knowledge.Texts{[^}]*}\))/knowledge.New(entries, nil, \1, knowledge.Scope{})/' "$tmp/old/bot/bench_test.go"
fi
(cd "$tmp/old" && go test -c -o "$tmp/old.test" ./bot)
go test -c -o "$tmp/new.test" ./bot
for i in $(seq "$count"); do
  (cd "$tmp/old/bot" && "$tmp/old.test" -test.run '^$' -test.bench "$pat" -test.benchmem -test.cpu 1) >>"$tmp/old.txt"
  (cd bot && "$tmp/new.test" -test.run '^$' -test.bench "$pat" -test.benchmem -test.cpu 1) >>"$tmp/new.txt"
done
go run golang.org/x/perf/cmd/benchstat@v0.0.0-20260908200009-22c9c6c9d4da old="$tmp/old.txt" new="$tmp/new.txt"
