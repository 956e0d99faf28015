package config

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestSampleMatchesDefaults(t *testing.T) {
	cfg, err := Parse("sample.toml", []byte(Sample))
	if err != nil {
		t.Fatalf("sample does not parse: %v", err)
	}
	if !reflect.DeepEqual(cfg, Default()) {
		t.Fatalf("sample and defaults differ:\nsample:  %+v\ndefault: %+v", cfg, Default())
	}
}

func TestErrorsNameFileLineAndKey(t *testing.T) {
	cases := []struct {
		name, src, want string
	}{
		{"unknown key", "[embedding]\nbackend = \"local\"\nbatchsize = 3\n", "c.toml:3: embedding.batchsize: unknown key"},
		{"wrong type", "[retrieval]\n\ntop_k = \"ten\"\n", "c.toml:3"},
		{"out of range", "[retrieval]\ntop_k = 0\n", "c.toml:2: retrieval.top_k: 0 is out of range 1..100"},
		{"bad enum", "[retrieval]\nmode = \"fuzzy\"\n", "c.toml:2: retrieval.mode"},
		{"key in config", "[providers.openai]\nkind = \"openai\"\nbase_url = \"https://x.example/v1\"\napi_key = \"sk-123\"\n", "c.toml:4: providers.openai.api_key: API keys do not belong in config.toml"},
		{"bad duration", "[embedding]\ntimeout = \"soon\"\n", "c.toml:2"},
		{"url with user", "[providers.x]\nkind = \"openai-compatible\"\nbase_url = \"https://u:p@h.example\"\n", "c.toml:3: providers.x.base_url"},
		{"overlap too big", "[processing]\nchunk_size = 400\nchunk_overlap = 300\n", "c.toml:3: processing.chunk_overlap"},
		{"syntax", "[general\n", "to end table name"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Parse("c.toml", []byte(c.src))
			if err == nil {
				t.Fatalf("no error for %q", c.src)
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %q does not contain %q", err, c.want)
			}
			if strings.Contains(err.Error(), "sk-123") {
				t.Fatalf("error leaks the key: %q", err)
			}
		})
	}
}

func TestLoadPrecedence(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "config.toml")
	if err := os.WriteFile(file, []byte("[retrieval]\ntop_k = 5\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"REASONKIT_CONFIG": file, "REASONKIT_DATA_DIR": filepath.Join(dir, "data")}
	cfg, err := Load(Options{Getenv: func(k string) string { return env[k] }})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Retrieval.TopK != 5 || cfg.DataDir != filepath.Join(dir, "data") || cfg.Path != file {
		t.Fatalf("env not honoured: %+v", cfg)
	}
	flagData := filepath.Join(dir, "flag")
	cfg, err = Load(Options{DataDir: flagData, Getenv: func(k string) string { return env[k] }})
	if err != nil || cfg.DataDir != flagData {
		t.Fatalf("flag should beat env: %v %v", cfg.DataDir, err)
	}
	// An explicitly named config that does not exist is an error, not defaults.
	_, err = Load(Options{ConfigFile: filepath.Join(dir, "nope.toml"), Getenv: func(string) string { return "" }})
	if !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("want not-exist error, got %v", err)
	}
}

func TestWriteSample(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sub", "config.toml")
	if err := WriteSample(path); err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(path)
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("sample mode = %v, %v", st.Mode(), err)
	}
	if err := WriteSample(path); err == nil {
		t.Fatal("overwrote an existing config")
	}
}

func TestEmbeddingEndpoint(t *testing.T) {
	cfg := Default()
	if got := cfg.EmbeddingEndpoint(); got != "" {
		t.Fatalf("local embedder endpoint = %q", got)
	}
	cfg.Embedding.Backend = "ollama"
	cfg.Providers["ollama"].BaseURL = "http://gpu-box.lan:11434"
	if got := cfg.EmbeddingEndpoint(); got != "http://gpu-box.lan:11434" {
		t.Fatalf("ollama endpoint should follow the ollama provider: %q", got)
	}
	cfg.Embedding.BaseURL = "http://127.0.0.1:9999"
	if got := cfg.EmbeddingEndpoint(); got != "http://127.0.0.1:9999" {
		t.Fatalf("explicit base_url ignored: %q", got)
	}
	cfg.Embedding.Backend, cfg.Embedding.BaseURL = "openai", ""
	if got := cfg.EmbeddingEndpoint(); got != "https://api.openai.com/v1" {
		t.Fatalf("openai default = %q", got)
	}
}
