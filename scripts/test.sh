#!/usr/bin/env bash
# Runs the whole test suite (what `make test` and CI run), assuming
# scripts/setup.sh test has installed everything:
#   1. formatting and vet
#   2. Go tests against a real SQLite file and the real OS keychain
#      (gnome-keyring's Secret Service in a private D-Bus session)
#   3. frontend unit tests
#   4. end-to-end tests of the real app in Chromium, and a screenshot of the
#      production binary's window
# `scripts/test.sh go` runs steps 1-2 only.
set -euo pipefail
cd "$(dirname "$0")/.."
TAGS=sqlite_fts5
export PATH="$(go env GOPATH)/bin:$PATH"

echo "== gofmt / go vet"
unformatted=$(gofmt -l $(git ls-files '*.go'))
if [ -n "$unformatted" ]; then
	echo "gofmt needed:"; echo "$unformatted"; exit 1
fi
go vet -tags "$TAGS" ./...

echo "== go test (real SQLite, real keychain)"
keyring_home=$(mktemp -d)
trap 'rm -rf "$keyring_home"' EXIT
XDG_DATA_HOME="$keyring_home" dbus-run-session -- sh -c '
	echo -n ci-keyring-pass | gnome-keyring-daemon --unlock --components=secrets >/dev/null
	go test -tags '"$TAGS"' -count=1 ./...'

[ "${1:-all}" = go ] && exit 0

echo "== frontend unit tests"
(cd frontend && npm test)

echo "== end-to-end tests (wails dev under Xvfb, Chromium)"
scripts/e2e.sh

echo "== production binary renders (Xvfb screenshot)"
go build -tags desktop,production,$TAGS -o build/bin/reasonkit .
scripts/screenshot-window.sh
