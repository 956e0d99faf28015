package app

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/reasonkit/desktop/internal/config"
	"github.com/reasonkit/desktop/internal/core"
	"github.com/reasonkit/desktop/internal/llm/llmtest"
)

func TestSettingsProvidersPersist(t *testing.T) {
	c := openCore(t)
	s := NewSettingsService(c)
	srv := llmtest.New(t, llmtest.KindOpenAICompatible, llmtest.Script{Models: []string{"zeta", "alpha"}})

	loc := s.Locations()
	if loc.ConfigSaved || loc.ConfigFile != filepath.Join(c.Config().ConfigDir, "config.toml") || loc.DataDir != c.Config().DataDir || loc.Database != c.Config().DBPath() {
		t.Fatalf("Locations before any save = %+v", loc)
	}

	p, err := s.UpdateProvider("openai", core.ProviderSettings{Enabled: true, BaseURL: "https://api.openai.com/v1", Model: "gpt-4o", Temperature: 1.1})
	if err != nil || p.Temperature != 1.1 || p.Model != "gpt-4o" || !p.NeedsKey {
		t.Fatalf("UpdateProvider = %+v, %v", p, err)
	}
	if loc = s.Locations(); !loc.ConfigSaved {
		t.Fatalf("Locations after a save = %+v", loc)
	}
	src, err := os.ReadFile(loc.ConfigFile)
	if err != nil || !strings.Contains(string(src), "temperature = 1.1") {
		t.Fatalf("config.toml after UpdateProvider: %v\n%s", err, src)
	}
	if _, err := s.UpdateProvider("openai", core.ProviderSettings{Enabled: true, BaseURL: "https://api.openai.com/v1", Model: "gpt-4o", Temperature: 7}); err == nil || !strings.Contains(err.Error(), "providers.openai.temperature") {
		t.Fatalf("out-of-range temperature = %v", err)
	}
	if _, err := s.UpdateProvider("nosuch", core.ProviderSettings{Enabled: true, BaseURL: "http://127.0.0.1:1/v1", Model: "m"}); err == nil {
		t.Fatal("UpdateProvider created a provider; only AddProvider may")
	}

	added, err := s.AddProvider(" lmstudio ", srv.BaseURL, "alpha")
	if err != nil || added.Name != "lmstudio" || added.Kind != config.KindOpenAICompatible || !added.Enabled || added.NeedsKey || added.Temperature != defaultTemperature {
		t.Fatalf("AddProvider = %+v, %v", added, err)
	}
	for _, bad := range []struct{ name, url, want string }{
		{"lmstudio", srv.BaseURL, "exists"},
		{"", srv.BaseURL, "name"},
		{"gpu", "gpu-box:8000", "providers.gpu.base_url"},
		{"gpu", "http://127.0.0.1:8000/v1", "providers.gpu.model"},
	} {
		model := "m"
		if bad.want == "providers.gpu.model" {
			model = ""
		}
		if _, err := s.AddProvider(bad.name, bad.url, model); err == nil || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("AddProvider(%q, %q) = %v; want %q", bad.name, bad.url, err, bad.want)
		}
	}

	m := s.Models("lmstudio")
	if !m.Reachable || !reflect.DeepEqual(m.Models, []string{"alpha", "zeta"}) {
		t.Fatalf("Models(lmstudio) = %+v", m)
	}
	down := llmtest.New(t, llmtest.KindOpenAICompatible, llmtest.Script{})
	downURL := down.BaseURL
	down.Close()
	if _, err := s.AddProvider("down", downURL, "x"); err != nil {
		t.Fatal(err)
	}
	if m := s.Models("down"); m.Reachable || m.Reason == "" || m.Models == nil {
		t.Fatalf("Models(down) = %+v; want unreachable with a reason", m)
	}

	if err := s.SetDefaultProvider("lmstudio"); err != nil {
		t.Fatal(err)
	}
	for _, p := range s.Providers() {
		if p.Default != (p.Name == "lmstudio") {
			t.Fatalf("default flag wrong on %+v", p)
		}
	}
	if err := s.SetTheme("dark"); err != nil {
		t.Fatal(err)
	}
	if err := s.SetTheme("sepia"); err == nil || !strings.Contains(err.Error(), "general.theme") {
		t.Fatalf("SetTheme(sepia) = %v", err)
	}
	lib := NewLibraryService(c, &recorder{}, "t")
	if info := lib.Info(); info.Theme != "dark" || info.ConfigFile != loc.ConfigFile {
		t.Fatalf("Info after SetTheme = %+v", info)
	}

	disk, err := config.Load(config.Options{ConfigFile: loc.ConfigFile, DataDir: c.Config().DataDir, Getenv: func(string) string { return "" }})
	if err != nil {
		t.Fatal(err)
	}
	if disk.General.DefaultProvider != "lmstudio" || disk.General.Theme != "dark" || disk.Providers["lmstudio"].BaseURL != srv.BaseURL || disk.Providers["openai"].Temperature != 1.1 {
		t.Fatalf("reloaded config: general %+v, providers %v", disk.General, disk.ProviderNames())
	}
}

func TestSettingsEmbeddingWarnsAndListsReembed(t *testing.T) {
	c := openCore(t)
	s := NewSettingsService(c)
	lib := NewLibraryService(c, &recorder{}, "t")
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "a.txt"), "Apples grow on trees in the orchard.\n")
	if _, err := lib.AddPaths("fruit", []string{dir}); err != nil {
		t.Fatal(err)
	}
	lib.wait()
	if _, err := lib.AddPaths("empty-text", []string{t.TempDir()}); err != nil {
		t.Fatal(err)
	}
	lib.wait()

	e := s.Embedding()
	url := c.Config().Embedding.BaseURL
	if e.Backend != "ollama" || e.Model != "fake-embed" || e.Remote || len(e.Reembed) != 0 {
		t.Fatalf("Embedding = %+v", e)
	}
	same, err := s.SetEmbedding("ollama", "fake-embed", testDim, url)
	if err != nil || len(same.Reembed) != 0 || same.ReembedHint != "" {
		t.Fatalf("saving the same embedder = %+v, %v; want nothing to re-embed", same, err)
	}
	changed, err := s.SetEmbedding("ollama", "other-embed", testDim, url)
	if err != nil || !reflect.DeepEqual(changed.Reembed, []string{"fruit"}) || !strings.Contains(changed.ReembedHint, "--reembed") || changed.Remote {
		t.Fatalf("changing the model = %+v, %v; want fruit listed for re-embedding", changed, err)
	}

	cases := []struct {
		backend, model, url string
		ollamaProvider      string
		remote              bool
	}{
		{"local", "", "", "", false},
		{"openai", "text-embedding-3-small", "", "", true},
		{"openai", "nomic", "http://127.0.0.1:8080/v1", "", false},
		{"ollama", "nomic-embed-text", "https://gpu.example:11434", "", true},
		{"ollama", "nomic-embed-text", "", "http://127.0.0.1:11434", false},
		{"ollama", "nomic-embed-text", "", "https://gpu.example:11434", true},
	}
	for _, tc := range cases {
		if tc.ollamaProvider != "" {
			if _, err := s.UpdateProvider("ollama", core.ProviderSettings{Enabled: true, BaseURL: tc.ollamaProvider, Model: "llama3.2", Temperature: 0.2}); err != nil {
				t.Fatal(err)
			}
		}
		got, err := s.SetEmbedding(tc.backend, tc.model, 0, tc.url)
		if err != nil || got.Remote != tc.remote || got.Backend != tc.backend {
			t.Errorf("SetEmbedding(%s, %q, ollama at %q) = %+v, %v; want remote=%v", tc.backend, tc.url, tc.ollamaProvider, got, err, tc.remote)
		}
	}
	if _, err := s.SetEmbedding("openai", "", 0, ""); err == nil || !strings.Contains(err.Error(), "embedding.model") {
		t.Fatalf("openai without a model = %v", err)
	}
}
