#!/usr/bin/env bash
# Screenshots the shipped desktop binary (build/bin/reasonkit, from
# `make build`) under Xvfb, proving the production build renders real data.
# It builds nothing: it fills a temp data dir with `reasonkit index` on a real
# folder, starts the window, types a search with xdotool, opens the first
# result and writes the PNG. It also prints start-up time and idle memory.
#
# Usage: scripts/screenshot-window.sh [OUT.png (default build/bin/window-library.png)] [--dark]
#   CORPUS=dir   folder to index (default: Python's tutorial from python3.11-doc,
#                else the e2e fixtures)
#   QUERY=text   what to type into the search box
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
BIN=${BIN:-$ROOT/build/bin/reasonkit}
OUT=${1:-$ROOT/build/bin/window-library.png}
THEME=light
[[ "${2:-}" == "--dark" ]] && THEME=dark
QUERY=${QUERY:-list comprehension}
if [[ -z "${CORPUS:-}" ]]; then
  CORPUS=/usr/share/doc/python3.11/html/tutorial
  [[ -d $CORPUS ]] || CORPUS=$ROOT/frontend/e2e/fixtures
fi
[[ -x $BIN ]] || { echo "screenshot: $BIN not found; run make build first" >&2; exit 1; }
for tool in xvfb-run dbus-run-session xdotool import; do
  command -v $tool >/dev/null || { echo "screenshot: $tool is missing (apt-get install xvfb xauth dbus-x11 xdotool imagemagick)" >&2; exit 1; }
done

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
mkdir -p "$TMP/data" "$TMP/config" "$TMP/xdg-data" "$TMP/cache" "$(dirname "$OUT")"
export REASONKIT_DATA_DIR=$TMP/data XDG_CONFIG_HOME=$TMP/config XDG_DATA_HOME=$TMP/xdg-data XDG_CACHE_HOME=$TMP/cache
export REASONKIT_TRACE_STARTUP=1

echo "screenshot: indexing $CORPUS"
rc=0
"$BIN" index --collection docs "$CORPUS" || rc=$?
if [[ $rc -ne 0 && $rc -ne 3 ]]; then echo "screenshot: index failed ($rc)" >&2; exit 1; fi

export BIN OUT QUERY THEME TMP
# The UI follows the system theme by default; GTK tells WebKit which one.
[[ $THEME == dark ]] && export GTK_THEME=Adwaita:dark
xvfb-run -a -s "-screen 0 1280x860x24" dbus-run-session -- bash -c '
  set -euo pipefail
  start=$(date +%s%N)
  "$BIN" 2> "$TMP/app.err" &
  pid=$!
  trap "kill $pid 2>/dev/null || true; wait $pid 2>/dev/null || true" EXIT
  win=""
  for _ in $(seq 1 300); do
    win=$(xdotool search --name "^ReasonKit$" 2>/dev/null | head -1 || true)
    [[ -n $win ]] && break
    kill -0 $pid 2>/dev/null || { echo "screenshot: the app exited:" >&2; cat "$TMP/app.err" >&2; exit 1; }
    sleep 0.05
  done
  [[ -n $win ]] || { echo "screenshot: no window appeared" >&2; cat "$TMP/app.err" >&2; exit 1; }
  mapped=$(( ($(date +%s%N) - start) / 1000000 ))
  for _ in $(seq 1 200); do grep -q "window interactive" "$TMP/app.err" && break; sleep 0.05; done
  echo "screenshot: window mapped after ${mapped} ms; $(grep -o "window interactive.*" "$TMP/app.err" || echo "interactive time not reported")"
  xdotool windowsize "$win" 1280 860 windowmove "$win" 0 0 windowactivate --sync "$win" 2>/dev/null || true
  sleep 1.5
  # Idle memory: the Go process and its WebKit helper processes.
  rss_main=$(awk "/VmRSS/ {print \$2}" /proc/$pid/status)
  rss_all=$rss_main
  for c in $(pgrep -P $pid || true); do
    r=$(awk "/VmRSS/ {print \$2}" /proc/$c/status 2>/dev/null || echo 0); rss_all=$((rss_all + r))
  done
  for c in $(pgrep -f WebKit || true); do
    grep -q "^PPid:\s*$pid$" /proc/$c/status 2>/dev/null && continue
    r=$(awk "/VmRSS/ {print \$2}" /proc/$c/status 2>/dev/null || echo 0); rss_all=$((rss_all + r))
  done
  echo "screenshot: idle RSS: app $((rss_main / 1024)) MiB, with WebKit processes $((rss_all / 1024)) MiB"
  xdotool mousemove --window "$win" 640 120 click 1 2>/dev/null || true
  xdotool key --window "$win" ctrl+k
  sleep 0.3
  xdotool type --delay 40 "$QUERY"
  sleep 1.5
  xdotool key Down
  sleep 0.2
  xdotool key Return
  sleep 1.5
  # Capture the screen and cut out the window (there is no window manager).
  eval "$(xdotool getwindowgeometry --shell "$win")"
  import -window root -crop "${WIDTH}x${HEIGHT}+${X}+${Y}" +repage "$OUT"
  convert "$OUT" -bordercolor black -border 1 -trim +repage "$OUT"
  echo "screenshot: wrote $OUT"
'
