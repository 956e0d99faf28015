#!/usr/bin/env bash
# End-to-end tests of the desktop app as a person uses it: `wails dev` under
# Xvfb (real Go services, real SQLite in a temp data dir, a real Secret
# Service keychain from gnome-keyring) driven by Debian's Chromium through
# playwright-core. Screenshots of every screen, light and dark, go to
# $E2E_SHOTS (default: build/bin/e2e-shots, ignored by git; copy a set to
# docs/screenshots).
#
# Do not rebuild frontend/dist while this runs: the app embeds and serves it.
# Needs: wails v2.16.0 (~/go/bin/wails), xvfb, dbus-x11, gnome-keyring,
# chromium, libwebkit2gtk-4.0-dev, node/npm.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
WAILS=${WAILS:-$(command -v wails || echo "$HOME/go/bin/wails")}
SHOTS=${E2E_SHOTS:-$ROOT/build/bin/e2e-shots}
PORT=34115

if curl -s -o /dev/null "http://localhost:$PORT"; then
  echo "e2e: port $PORT is already in use (another wails dev?); stop it first" >&2
  exit 1
fi

TMP=$(mktemp -d)
cleanup() {
  if [[ -n "${FAKE_PID:-}" ]]; then kill "$FAKE_PID" 2>/dev/null || true; fi
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

# A scripted model on loopback (the project's llmtest fake provider): every
# step gets a cited list; "count slowly" streams slowly so Stop can be tested.
cat > "$TMP/script.json" <<'JSON'
{
  "rules": [
    {"contains": "count slowly", "reply": {"chunks": ["one ", "two ", "three ", "four ", "five ", "six ", "seven ", "eight ", "nine ", "ten "], "chunk_delay": "700ms"}}
  ],
  "default": {"text": "1. The termination notice period is ninety days [S1].\n2. Notice must be given in writing [S1].\n3. A notice sent by e-mail alone is not valid [S1].\n4. The lease runs for twelve months [S1].\n5. Rent is due on the first day of each month [S1].\n6. Repairs are due within fourteen days [S1].\n\nCONFIDENCE: 0.82", "chunk_delay": "15ms"}
}
JSON
go build -tags sqlite_fts5 -o "$TMP/fakeprovider" ./internal/llm/llmtest/fakeprovider
"$TMP/fakeprovider" -kind openai-compatible -script "$TMP/script.json" > "$TMP/fake.out" 2>&1 &
FAKE_PID=$!
for _ in $(seq 1 50); do [[ -s $TMP/fake.out ]] && break; sleep 0.1; done
FAKE_LLM=$(head -1 "$TMP/fake.out")
[[ $FAKE_LLM == http://127.0.0.1:* ]] || { echo "e2e: fake provider did not start: $(cat "$TMP/fake.out")" >&2; exit 1; }

cat > "$TMP/config/config.toml" <<TOML
[general]
default_provider = "fake"

[providers.openai]
kind = "openai"
base_url = "http://127.0.0.1:$FAKE_PORT/v1"
model = "gpt-fake-mini"
key_env = "REASONKIT_E2E_UNSET_KEY"

[providers.fake]
kind = "openai-compatible"
base_url = "$FAKE_LLM"
model = "fake-model"
TOML

# A protocol file with mistakes, for the import test.
cat > "$TMP/bad-protocol.toml" <<'TOML'
id = "e2e_bad"
name = "Broken on purpose"
description = "An action type that does not exist"

[[steps]]
id = "first"
prompt_template = "Think about {{input.query}}"
action = { type = "teleport" }
TOML
export REASONKIT_TEST_PICK_FILES=$TMP/bad-protocol.toml

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
  if grep -q "Build error" "$TMP/wails.log"; then echo "e2e: the app did not build:" >&2; cat "$TMP/wails.log" >&2; exit 1; fi
  sleep 1
done
curl -s -o /dev/null "http://localhost:$PORT/" || { echo "e2e: wails dev did not start" >&2; cat "$TMP/wails.log" >&2; exit 1; }

status=0
(cd frontend && node --test --test-concurrency=1 e2e/) || status=$?
if [[ $status -ne 0 ]]; then echo "--- wails dev log ---" >&2; tail -50 "$TMP/wails.log" >&2; fi
echo "e2e: screenshots in $SHOTS"
exit $status
