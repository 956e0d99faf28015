package config

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func loadFrom(t *testing.T, path, dataDir string) *Config {
	t.Helper()
	cfg, err := Load(Options{ConfigFile: path, DataDir: dataDir, Getenv: func(string) string { return "" }})
	if err != nil {
		t.Fatalf("load %s: %v", path, err)
	}
	return cfg
}

func TestSaveRoundTrips(t *testing.T) {
	off := false
	cases := []struct {
		name   string
		change func(c *Config)
	}{
		{"defaults", func(c *Config) {}},
		{"provider edits", func(c *Config) {
			c.Providers["openai"].Temperature = 0.7
			c.Providers["openai"].Model = "gpt-4.1"
			c.Providers["anthropic"].Enabled = &off
		}},
		{"new compatible provider as default", func(c *Config) {
			c.Providers["lmstudio"] = &Provider{Kind: KindOpenAICompatible, BaseURL: "http://127.0.0.1:1234/v1", Model: "qwen", Temperature: 1.5}
			c.General.DefaultProvider = "lmstudio"
			c.General.Theme = "dark"
		}},
		{"remote embedding", func(c *Config) {
			c.Embedding = Embedding{Backend: "openai", Model: "text-embedding-3-small", Dimensions: 1536, BatchSize: 64, BaseURL: "https://api.example.com/v1", Timeout: c.Embedding.Timeout}
			c.Server.CORS = []string{"http://localhost:5173"}
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "conf")
			data := t.TempDir()
			cfg := Default()
			cfg.ConfigDir, cfg.DataDir = dir, data
			tc.change(cfg)
			if err := Save(cfg); err != nil {
				t.Fatalf("save: %v", err)
			}
			path := filepath.Join(dir, "config.toml")
			if cfg.Path != path {
				t.Fatalf("Path = %q, want %q", cfg.Path, path)
			}
			got := loadFrom(t, path, data)
			if !reflect.DeepEqual(got, cfg) {
				t.Fatalf("reloaded config differs:\nsaved:  %+v\nloaded: %+v", cfg, got)
			}
			for p, want := range map[string]os.FileMode{path: 0o600, dir: 0o700} {
				st, err := os.Stat(p)
				if err != nil || st.Mode().Perm() != want {
					t.Fatalf("%s: mode %v, %v; want %v", p, st.Mode().Perm(), err, want)
				}
			}
			src, _ := os.ReadFile(path)
			if !strings.HasPrefix(string(src), "# ReasonKit Desktop configuration, saved by the Settings screen.") || !strings.Contains(string(src), "config init") {
				t.Fatalf("file does not start with the header:\n%s", src)
			}
			for _, line := range strings.Split(string(src), "\n") {
				if name, _, ok := strings.Cut(strings.TrimSpace(line), " = "); ok && (name == "key" || strings.Contains(name, "api_key") || strings.Contains(name, "secret") || strings.Contains(name, "password")) {
					t.Fatalf("saved file has a secret-looking key %q:\n%s", name, src)
				}
			}
		})
	}
}

func TestSaveKeepsBackupOfHandEditedFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "config.toml")
	hand := "# my notes\n[general]\ntheme = \"light\"\n"
	if err := os.WriteFile(path, []byte(hand), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := loadFrom(t, path, t.TempDir())
	cfg.General.Theme = "dark"
	if err := Save(cfg); err != nil {
		t.Fatalf("save: %v", err)
	}
	bak, err := os.ReadFile(path + ".bak")
	if err != nil || string(bak) != hand {
		t.Fatalf("backup = %q, %v; want the hand-edited file", bak, err)
	}
	if got := loadFrom(t, path, cfg.DataDir); got.General.Theme != "dark" {
		t.Fatalf("theme after save = %q", got.General.Theme)
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".tmp") {
			t.Fatalf("temp file left behind: %s", e.Name())
		}
	}
}

func TestSaveRefusesInvalidConfig(t *testing.T) {
	cases := []struct {
		name   string
		change func(c *Config)
		key    string
	}{
		{"temperature", func(c *Config) { c.Providers["openai"].Temperature = 3 }, "providers.openai.temperature"},
		{"base url", func(c *Config) { c.Providers["ollama"].BaseURL = "ftp://x" }, "providers.ollama.base_url"},
		{"credentials in url", func(c *Config) { c.Providers["ollama"].BaseURL = "http://u:secret@127.0.0.1:11434" }, "providers.ollama.base_url"},
		{"provider name", func(c *Config) {
			c.Providers["Bad Name"] = &Provider{Kind: KindOpenAICompatible, BaseURL: "http://127.0.0.1:1/v1"}
		}, "providers.Bad Name"},
		{"default provider", func(c *Config) { c.General.DefaultProvider = "nosuch" }, "general.default_provider"},
		{"theme", func(c *Config) { c.General.Theme = "blue" }, "general.theme"},
		{"embedding backend", func(c *Config) { c.Embedding.Backend = "cloud" }, "embedding.backend"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "config.toml")
			before := "[general]\ntheme = \"light\"\n"
			os.WriteFile(path, []byte(before), 0o600)
			cfg := loadFrom(t, path, t.TempDir())
			tc.change(cfg)
			err := Save(cfg)
			var errs Errors
			if !errors.As(err, &errs) || !strings.Contains(err.Error(), tc.key+":") || !strings.Contains(err.Error(), path) {
				t.Fatalf("Save = %v; want an error naming %s in %s", err, tc.key, path)
			}
			after, _ := os.ReadFile(path)
			if string(after) != before {
				t.Fatalf("file changed by a refused save: %q", after)
			}
			if _, err := os.Stat(path + ".bak"); !errors.Is(err, os.ErrNotExist) {
				t.Fatalf("refused save left a backup: %v", err)
			}
		})
	}
}

func TestSaveNeedsALocation(t *testing.T) {
	cfg := Default()
	if err := Save(cfg); err == nil || !strings.Contains(err.Error(), "REASONKIT_CONFIG") {
		t.Fatalf("Save without path or dir = %v", err)
	}
}
