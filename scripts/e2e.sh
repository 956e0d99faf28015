#!/usr/bin/env bash
# End-to-end tests of the desktop app as a person uses it: `wails dev` under
# Xvfb (real Go services, real SQLite in a temp data dir, a real Secret
# Service keychain from gnome-keyring) driven by Debian's Chromium through
# playwright-core. Screenshots of every screen, light and dark, go to
# $E2E_SHOTS (default: build/e2e-shots; copy a set to docs/screenshots).
#
# Needs: wails v2.16.0 (~/go/bin/wails), xvfb, dbus-x11, gnome-keyring,
# chromium, libwebkit2gtk-4.0-dev, node/npm.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
WAILS=${WAILS:-$(command -v wails || echo "$HOME/go/bin/wails")}
SHOTS=${E2E_SHOTS:-$ROOT/build/e2e-shots}
PORT=34115

if curl -s -o /dev/null "http://localhost:$PORT"; then
  echo "e2e: port $PORT is already in use (another wails dev?); stop it first" >&2
  exit 1
fi

TMP=$(mktemp -d)
cleanup() {
  if [[ -n "${DEV_PID:-}" ]]; then kill -- -"$DEV_PID" 2>/dev/null || kill "$DEV_PID" 2>/dev/null || true; wait "$DEV_PID" 2>/dev/null || true; fi
  rm -rf "$TMP"
}
trap cleanup EXIT

# The folder the UI's "Add folder" picks (the native dialog cannot be driven
# headless; dev builds answer it from REASONKIT_TEST_PICK_DIR).
CORPUS=$TMP/corpus
mkdir -p "$CORPUS/notes"
cp frontend/e2e/fixtures/* "$CORPUS/"
printf '\x00\x01\x02binary\x00\xff\xfe' > "$CORPUS/notes/broken.txt"
# A few real pages from Debian's Python docs, when installed (kept small so
# the built-in embedder finishes quickly on two cores).
for f in appetite interpreter stdlib; do
  src=/usr/share/doc/python3.11/html/tutorial/$f.html
  [[ -f $src ]] && { mkdir -p "$CORPUS/python"; cp "$src" "$CORPUS/python/"; }
done

FAKE_PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
mkdir -p "$TMP/config" "$TMP/data" "$TMP/xdg-data" "$TMP/cache"
cat > "$TMP/config/config.toml" <<TOML
[providers.openai]
kind = "openai"
base_url = "http://127.0.0.1:$FAKE_PORT/v1"
model = "gpt-fake-mini"
key_env = "REASONKIT_E2E_UNSET_KEY"
TOML

(cd frontend && { [[ -d node_modules ]] || npm ci; } && npm run build >/dev/null)

export REASONKIT_DATA_DIR=$TMP/data REASONKIT_CONFIG=$TMP/config/config.toml
export REASONKIT_TEST_PICK_DIR=$CORPUS
export XDG_DATA_HOME=$TMP/xdg-data XDG_CACHE_HOME=$TMP/cache XDG_CONFIG_HOME=$TMP/config
export E2E_URL=http://localhost:$PORT E2E_FAKE_PORT=$FAKE_PORT E2E_SHOTS=$SHOTS E2E_CORPUS=$CORPUS

# One session bus + unlocked keyring for both the app and nothing else; the
# app runs under Xvfb. -m/-nosyncgomod: never touch go.mod; -s: built above.
setsid xvfb-run -a -s "-screen 0 1280x900x24" dbus-run-session -- bash -c '
  echo -n e2e | gnome-keyring-daemon --unlock --components=secrets >/dev/null
  exec "$0" dev -tags desktop,sqlite_fts5 -skipbindings -m -nosyncgomod -s -noreload -nogorebuild -loglevel Warning
' "$WAILS" > "$TMP/wails.log" 2>&1 &
DEV_PID=$!

echo "e2e: waiting for wails dev on :$PORT (first build takes a while)…"
for _ in $(seq 1 600); do
  if curl -s -o /dev/null "http://localhost:$PORT/"; then break; fi
  if ! kill -0 "$DEV_PID" 2>/dev/null; then echo "e2e: wails dev exited:" >&2; cat "$TMP/wails.log" >&2; exit 1; fi
  sleep 1
done
curl -s -o /dev/null "http://localhost:$PORT/" || { echo "e2e: wails dev did not start" >&2; cat "$TMP/wails.log" >&2; exit 1; }

status=0
(cd frontend && node --test --test-concurrency=1 e2e/) || status=$?
if [[ $status -ne 0 ]]; then echo "--- wails dev log ---" >&2; tail -50 "$TMP/wails.log" >&2; fi
echo "e2e: screenshots in $SHOTS"
exit $status
