#!/bin/sh
# compare-speed.sh measures the Go runner and the reference TF.js runtime on
# the same 1000 real 40-word sentences (internal/embed/local/testdata/
# sentences.txt), one after the other in one run, with peak RSS from
# /usr/bin/time -v (which also gives the CPU seconds each used: a fairer
# comparison when other work shares the machine). Run from anywhere after scripts/fetch-model.sh and
# `npm ci` in tools/model.
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

cd "$root"
go test -tags sqlite_fts5 -c -o "$tmp/local.test" ./internal/embed/local/

echo "== reference: TF.js runtime (node $(node --version))"
/usr/bin/time -v node tools/model/bench-reference.js 2>"$tmp/node.time"
grep -E 'Maximum resident|Elapsed|User time|System time' "$tmp/node.time"

echo "== Go runner (GOMAXPROCS=$(nproc))"
cd internal/embed/local
"$tmp/local.test" -test.run '^$' -test.bench 'Sentences$|ShortQuery|Load' -test.benchtime "${BENCHTIME:-3x}"

echo "== Go peak memory: one process that loads the model and embeds the 1000 sentences once"
/usr/bin/time -v "$tmp/local.test" -test.run '^$' -test.bench 'Sentences$' -test.benchtime 1x 2>"$tmp/go.time" | grep Benchmark
grep -E 'Maximum resident|Elapsed|User time|System time' "$tmp/go.time"
uptime
