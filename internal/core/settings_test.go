package core

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/reasonkit/desktop/internal/config"
	"github.com/reasonkit/desktop/internal/llm/llmtest"
)

// reload reads the core's config.toml from disk as a fresh process would.
func reload(t *testing.T, c *Core) *config.Config {
	t.Helper()
	path := c.Config().Path
	if path == "" {
		t.Fatal("config has no path after a save")
	}
	cfg, err := config.Load(config.Options{ConfigFile: path, DataDir: c.Config().DataDir, Getenv: func(string) string { return "" }})
	if err != nil {
		t.Fatalf("reload %s: %v", path, err)
	}
	return cfg
}

func TestUpdateProviderPersistsAndRefuses(t *testing.T) {
	srv := llmtest.New(t, llmtest.KindOpenAICompatible, llmtest.Script{Models: []string{"m1", "m2"}})
	c := openTestCore(t, srv)

	if err := c.UpdateProvider("openai", ProviderSettings{Enabled: true, BaseURL: "https://api.openai.com/v1", Model: "gpt-4.1", Temperature: 0.9}); err != nil {
		t.Fatalf("update openai: %v", err)
	}
	if p := c.Config().Providers["openai"]; p.Temperature != 0.9 || p.Model != "gpt-4.1" || !p.IsEnabled() {
		t.Fatalf("in memory: %+v", p)
	}
	disk := reload(t, c)
	if !reflect.DeepEqual(disk, c.Config()) {
		t.Fatalf("disk and memory differ:\ndisk:   %+v\nmemory: %+v", disk, c.Config())
	}

	// A new name adds an openai-compatible provider that a loopback server answers.
	if err := c.UpdateProvider("lmstudio", ProviderSettings{Enabled: true, BaseURL: srv.BaseURL, Model: "m2", Temperature: 0.4}); err != nil {
		t.Fatalf("add provider: %v", err)
	}
	added := reload(t, c).Providers["lmstudio"]
	if added == nil || added.Kind != config.KindOpenAICompatible || added.Model != "m2" || added.MaxTokens == 0 || NeedsKey(added) {
		t.Fatalf("added provider on disk = %+v", added)
	}
	models, err := c.Models(context.Background(), "lmstudio")
	if err != nil || !reflect.DeepEqual(models, []string{"m1", "m2"}) {
		t.Fatalf("models of the new provider = %v, %v", models, err)
	}

	before, _ := os.ReadFile(c.Config().Path)
	refused := []struct {
		name  string
		s     ProviderSettings
		field string
	}{
		{"openai", ProviderSettings{Enabled: true, BaseURL: "https://api.openai.com/v1", Model: "gpt-4.1", Temperature: 2.5}, "providers.openai.temperature"},
		{"openai", ProviderSettings{Enabled: true, BaseURL: "not a url", Model: "gpt-4.1"}, "providers.openai.base_url"},
		{"openai", ProviderSettings{Enabled: true, BaseURL: "https://api.openai.com/v1"}, "providers.openai.model"},
		{"Has Space", ProviderSettings{Enabled: true, BaseURL: "http://127.0.0.1:1/v1", Model: "x"}, "providers.Has Space"},
		{"fake", ProviderSettings{Enabled: false, BaseURL: srv.BaseURL, Model: "fake-model"}, "providers.fake.enabled"},
	}
	for _, r := range refused {
		err := c.UpdateProvider(r.name, r.s)
		if err == nil || !strings.Contains(err.Error(), r.field) {
			t.Errorf("UpdateProvider(%q, %+v) = %v; want an error naming %s", r.name, r.s, err, r.field)
		}
	}
	after, _ := os.ReadFile(c.Config().Path)
	if string(after) != string(before) {
		t.Fatal("a refused change was written")
	}
	if p := c.Config().Providers["openai"]; p.Temperature != 0.9 || p.BaseURL != "https://api.openai.com/v1" {
		t.Fatalf("a refused change reached memory: %+v", p)
	}
	if _, ok := c.Config().Providers["Has Space"]; ok {
		t.Fatal("a refused provider was added in memory")
	}
}

func TestSetDefaultProviderAndTheme(t *testing.T) {
	srv := llmtest.New(t, llmtest.KindOpenAICompatible, llmtest.Script{})
	c := openTestCore(t, srv)
	if err := c.SetDefaultProvider("ollama"); err != nil {
		t.Fatal(err)
	}
	if err := c.UpdateProvider("anthropic", ProviderSettings{Enabled: false, BaseURL: "https://api.anthropic.com", Model: "claude-3-5-haiku-latest", Temperature: 0.2}); err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]string{"nosuch": "not a configured provider", "anthropic": "disabled"} {
		if err := c.SetDefaultProvider(name); err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "general.default_provider") {
			t.Errorf("SetDefaultProvider(%s) = %v; want %q", name, err, want)
		}
	}
	if err := c.SetTheme("dark"); err != nil {
		t.Fatal(err)
	}
	if err := c.SetTheme("purple"); err == nil || !strings.Contains(err.Error(), "general.theme") {
		t.Fatalf("SetTheme(purple) = %v", err)
	}
	disk := reload(t, c)
	if disk.General.DefaultProvider != "ollama" || disk.General.Theme != "dark" || disk.Providers["anthropic"].IsEnabled() {
		t.Fatalf("on disk: general %+v, anthropic enabled %v", disk.General, disk.Providers["anthropic"].IsEnabled())
	}
	if _, err := os.Stat(c.Config().Path + ".bak"); err != nil {
		t.Fatalf("no backup of the previous file: %v", err)
	}
}

// fakeEmbed answers Ollama's /api/embed with vectors whose values depend
// on the model name, so two models give different vectors.
func fakeEmbed(t *testing.T) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			Model string   `json:"model"`
			Input []string `json:"input"`
		}
		if r.URL.Path != "/api/embed" || json.NewDecoder(r.Body).Decode(&req) != nil {
			http.Error(w, `{"error":"bad request"}`, http.StatusBadRequest)
			return
		}
		out := make([][]float32, len(req.Input))
		for i, text := range req.Input {
			v := make([]float32, 8)
			for j, ch := range text + req.Model {
				v[j%8] += float32(ch%13) + 1
			}
			out[i] = v
		}
		json.NewEncoder(w).Encode(map[string]any{"model": req.Model, "embeddings": out})
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestSetEmbeddingNeverMixesVectors(t *testing.T) {
	srv := llmtest.New(t, llmtest.KindOpenAICompatible, llmtest.Script{})
	c := openTestCore(t, srv)
	emb := fakeEmbed(t)
	ctx := context.Background()
	if err := c.SetEmbedding("ollama", "embed-a", 8, emb.URL); err != nil {
		t.Fatalf("set embedding a: %v", err)
	}
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "a.txt"), []byte("Lease terms renew every year with ninety days notice.\n"), 0o644)
	if _, err := c.Index(ctx, IndexRequest{Collection: "docs", Paths: []string{dir}}, nil); err != nil {
		t.Fatalf("index with a: %v", err)
	}
	cols, _ := c.Collections(ctx)
	if len(cols) != 1 || cols[0].Embedded == 0 || !strings.Contains(cols[0].EmbedderID, "embed-a") {
		t.Fatalf("collections after a = %+v", cols)
	}

	if err := c.SetEmbedding("ollama", "embed-b", 8, emb.URL); err != nil {
		t.Fatalf("set embedding b: %v", err)
	}
	if e := reload(t, c).Embedding; e.Model != "embed-b" || e.BaseURL != emb.URL {
		t.Fatalf("embedding on disk = %+v", e)
	}
	os.WriteFile(filepath.Join(dir, "b.txt"), []byte("A second file arrives after the model change.\n"), 0o644)
	// Text is stored (keyword search works) but no vector from b joins a's.
	sum, err := c.Index(ctx, IndexRequest{Collection: "docs", Paths: []string{dir}}, nil)
	if err != nil || sum.Embedded != 0 || sum.EmbedPending == 0 || !strings.Contains(sum.EmbedError, "--reembed") {
		t.Fatalf("index after a model change = %+v, %v; want vectors refused until --reembed", sum, err)
	}
	if _, err := c.Index(ctx, IndexRequest{Collection: "docs", Paths: []string{dir}, Reembed: true}, nil); err != nil {
		t.Fatalf("re-embed with b: %v", err)
	}
	cols, _ = c.Collections(ctx)
	if !strings.Contains(cols[0].EmbedderID, "embed-b") || cols[0].Embedded != cols[0].Chunks {
		t.Fatalf("collection after re-embed = %+v", cols[0])
	}

	// Local ignores a model and URL; bad choices are refused by field.
	if err := c.SetEmbedding("local", "whatever", 99, "https://x.example"); err != nil {
		t.Fatal(err)
	}
	if e := c.Config().Embedding; e.Model != "use-lite" || e.Dimensions != 512 || e.BaseURL != "" {
		t.Fatalf("local embedding = %+v", e)
	}
	for _, tc := range []struct{ backend, model, url, field string }{
		{"cloud", "m", "", "embedding.backend"},
		{"openai", "", "", "embedding.model"},
		{"ollama", "m", "gopher://x", "embedding.base_url"},
	} {
		if err := c.SetEmbedding(tc.backend, tc.model, 0, tc.url); err == nil || !strings.Contains(err.Error(), tc.field) {
			t.Errorf("SetEmbedding(%s, %q, %q) = %v; want %s named", tc.backend, tc.model, tc.url, err, tc.field)
		}
	}
	if c.Config().Embedding.Backend != "local" {
		t.Fatalf("a refused embedding change reached memory: %+v", c.Config().Embedding)
	}
}

func TestNeedsKey(t *testing.T) {
	cases := []struct {
		p    config.Provider
		want bool
	}{
		{config.Provider{Kind: config.KindOllama, BaseURL: "https://gpu.example:11434"}, false},
		{config.Provider{Kind: config.KindOpenAICompatible, BaseURL: "http://127.0.0.1:8080/v1"}, false},
		{config.Provider{Kind: config.KindOpenAICompatible, BaseURL: "http://localhost:8080/v1"}, false},
		{config.Provider{Kind: config.KindOpenAICompatible, BaseURL: "https://api.example.com/v1"}, true},
		{config.Provider{Kind: config.KindOpenAI, BaseURL: "https://api.openai.com/v1"}, true},
		{config.Provider{Kind: config.KindAnthropic, BaseURL: "::bad"}, true},
	}
	for _, tc := range cases {
		if got := NeedsKey(&tc.p); got != tc.want {
			t.Errorf("NeedsKey(%s %s) = %v, want %v", tc.p.Kind, tc.p.BaseURL, got, tc.want)
		}
	}
}
