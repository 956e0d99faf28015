package config

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// Sample is the commented config.toml written by `reasonkit config init`.
// Every value in it is the built-in default (a test keeps them in step).
const Sample = `# ReasonKit Desktop configuration.
# Every key below shows its default. Delete a line to keep the default.
# API keys never go in this file: use ` + "`reasonkit keys set PROVIDER`" + ` (OS keychain)
# or the provider's environment variable (e.g. OPENAI_API_KEY).

[general]
# Provider used by ask/think when --provider is not given.
default_provider = "ollama"
# Desktop theme: "system", "light" or "dark".
theme = "system"

[storage]
# Only "local" (one SQLite file on this machine) exists.
backend = "local"
# SQLite file; empty means <data dir>/reasonkit.db.
path = ""

[embedding]
# "local" (built-in model, nothing leaves the machine), "ollama" or "openai"
# (an OpenAI-compatible /embeddings endpoint: document text is sent there).
backend = "local"
# Model name for the backend; "use-lite" is the built-in model.
model = "use-lite"
# Vector size; 0 means the model's own size.
dimensions = 512
# Texts sent to the embedder per call.
batch_size = 32
# Endpoint for ollama/openai backends; empty means the provider default.
base_url = ""
# How long one embedding call may take.
timeout = "1m0s"
# Environment variable holding the key for a remote "openai" backend.
key_env = ""

[processing]
# Target chunk length in characters, and the overlap between neighbours.
chunk_size = 1200
chunk_overlap = 200
# Files larger than this are refused with a message.
max_file_size_mb = 100
# Files processed in parallel; 0 means one per CPU core.
workers = 0

[retrieval]
# Passages returned by search and given to the model.
top_k = 8
# "hybrid" (keywords + meaning), "keyword" or "vector".
mode = "hybrid"
# Reciprocal rank fusion constant.
rrf_k = 60
# Drop results whose normalised score is below this (0..1).
min_score = 0.0

[server]
# The optional local HTTP API: loopback only, needs a token.
enabled = false
addr = "127.0.0.1:7788"
# Origins allowed to call the API from a browser.
cors = []

# Providers. kind is "openai", "anthropic", "ollama" or "openai-compatible".
# The key for provider NAME comes from ` + "`reasonkit keys set NAME`" + ` or key_env.
[providers.ollama]
kind = "ollama"
base_url = "http://127.0.0.1:11434"
model = "llama3.2"
temperature = 0.2
max_tokens = 2048
timeout = "2m0s"
key_env = ""

[providers.openai]
kind = "openai"
base_url = "https://api.openai.com/v1"
model = "gpt-4o-mini"
temperature = 0.2
max_tokens = 2048
timeout = "2m0s"
key_env = "OPENAI_API_KEY"

[providers.anthropic]
kind = "anthropic"
base_url = "https://api.anthropic.com"
model = "claude-3-5-haiku-latest"
temperature = 0.2
max_tokens = 2048
timeout = "2m0s"
key_env = "ANTHROPIC_API_KEY"

# Any OpenAI-compatible server works the same way, for example:
# [providers.groq]
# kind = "openai-compatible"
# base_url = "https://api.groq.com/openai/v1"
# model = "llama-3.3-70b-versatile"
# key_env = "GROQ_API_KEY"
`

// WriteSample writes Sample to path (mode 0600) unless a file exists there.
func WriteSample(path string) error {
	if _, err := os.Stat(path); err == nil {
		return fmt.Errorf("%s already exists; remove it first or edit it", path)
	} else if !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("check %s: %w", path, err)
	}
	if err := EnsurePrivateDir(filepath.Dir(path)); err != nil {
		return err
	}
	if err := os.WriteFile(path, []byte(Sample), 0o600); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
