#!/usr/bin/env bash
# Installs what building, running and testing ReasonKit Desktop needs on a
# Debian/Ubuntu machine. Idempotent: anything already present is skipped.
#   scripts/setup.sh build   toolchain + libraries to build the app
#   scripts/setup.sh test    build + what the test suite runs against
set -euo pipefail
cd "$(dirname "$0")/.."

WAILS_VERSION=v2.16.0
mode=${1:-build}

build_pkgs=(build-essential pkg-config libsqlite3-dev libgtk-3-dev libwebkit2gtk-4.0-dev)
test_pkgs=(xvfb xauth xdotool imagemagick chromium chromium-driver gnome-keyring dbus-x11 libsecret-tools
	python3.11-doc poppler-utils curl git r-doc-pdf python-reportlab-doc)

pkgs=("${build_pkgs[@]}")
[ "$mode" = test ] && pkgs+=("${test_pkgs[@]}")

missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	echo "setup: installing ${missing[*]}"
	sudo=""
	[ "$(id -u)" -eq 0 ] || sudo=sudo
	$sudo apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

gobin=$(go env GOPATH)/bin
if ! "$gobin/wails" version 2>/dev/null | grep -q "${WAILS_VERSION}"; then
	echo "setup: installing the wails CLI ${WAILS_VERSION}"
	go install "github.com/wailsapp/wails/v2/cmd/wails@${WAILS_VERSION}"
fi

# The built-in embedding model, pinned by the lock file's integrity hash.
scripts/fetch-model.sh

# Frontend dependencies, exactly as locked.
if [ ! -d frontend/node_modules ] || [ frontend/package-lock.json -nt frontend/node_modules/.package-lock.json ]; then
	echo "setup: installing frontend packages"
	(cd frontend && npm ci --no-audit --no-fund --loglevel=error)
fi
