package config

import (
	"fmt"
	"net/url"
	"regexp"
	"time"
)

// Default returns the built-in configuration: everything local.
func Default() *Config {
	return &Config{
		General:    General{DefaultProvider: "ollama", Theme: "system"},
		Storage:    Storage{Backend: "local"},
		Embedding:  Embedding{Backend: "local", Model: "use-lite", Dimensions: 512, BatchSize: 32, Timeout: Duration{60 * time.Second}},
		Processing: Processing{ChunkSize: 1200, ChunkOverlap: 200, MaxFileSizeMB: 100, Workers: 0},
		Retrieval:  Retrieval{TopK: 8, Mode: "hybrid", RRFK: 60, MinScore: 0},
		Server:     Server{Enabled: false, Addr: "127.0.0.1:7788", CORS: []string{}},
		Providers:  DefaultProviders(),
	}
}

// DefaultProviders are the providers available without any configuration.
func DefaultProviders() map[string]*Provider {
	p := func(kind, base, model, env string) *Provider {
		return &Provider{Kind: kind, BaseURL: base, Model: model, Temperature: 0.2, MaxTokens: 2048,
			Timeout: Duration{120 * time.Second}, KeyEnv: env}
	}
	return map[string]*Provider{
		"ollama":    p(KindOllama, "http://127.0.0.1:11434", "llama3.2", ""),
		"openai":    p(KindOpenAI, "https://api.openai.com/v1", "gpt-4o-mini", "OPENAI_API_KEY"),
		"anthropic": p(KindAnthropic, "https://api.anthropic.com", "claude-3-5-haiku-latest", "ANTHROPIC_API_KEY"),
	}
}

var providerName = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,39}$`)

// validate returns every out-of-range or inconsistent value; Key is dotted.
func (c *Config) validate() []*Error {
	var errs []*Error
	bad := func(key, format string, args ...any) {
		errs = append(errs, &Error{Key: key, Msg: fmt.Sprintf(format, args...)})
	}
	oneOf := func(key, v string, allowed ...string) {
		for _, a := range allowed {
			if v == a {
				return
			}
		}
		bad(key, "%q is not one of %q", v, allowed)
	}
	oneOf("general.theme", c.General.Theme, "system", "light", "dark")
	oneOf("storage.backend", c.Storage.Backend, "local")
	oneOf("embedding.backend", c.Embedding.Backend, "local", "ollama", "openai")
	if c.Embedding.Dimensions < 0 || c.Embedding.Dimensions > 8192 {
		bad("embedding.dimensions", "%d is out of range 0..8192 (0 means the model's own size)", c.Embedding.Dimensions)
	}
	if c.Embedding.BatchSize < 1 || c.Embedding.BatchSize > 2048 {
		bad("embedding.batch_size", "%d is out of range 1..2048", c.Embedding.BatchSize)
	}
	if c.Embedding.Backend != "local" && c.Embedding.Model == "" {
		bad("embedding.model", "a %s embedding backend needs a model name", c.Embedding.Backend)
	}
	if c.Embedding.BaseURL != "" {
		if err := checkURL(c.Embedding.BaseURL); err != nil {
			bad("embedding.base_url", "%v", err)
		}
	}
	if c.Processing.ChunkSize < 200 || c.Processing.ChunkSize > 20000 {
		bad("processing.chunk_size", "%d is out of range 200..20000 characters", c.Processing.ChunkSize)
	}
	if c.Processing.ChunkOverlap < 0 || c.Processing.ChunkOverlap >= c.Processing.ChunkSize/2 {
		bad("processing.chunk_overlap", "%d must be at least 0 and less than half of chunk_size (%d)", c.Processing.ChunkOverlap, c.Processing.ChunkSize)
	}
	if c.Processing.MaxFileSizeMB < 1 || c.Processing.MaxFileSizeMB > 4096 {
		bad("processing.max_file_size_mb", "%d is out of range 1..4096", c.Processing.MaxFileSizeMB)
	}
	if c.Processing.Workers < 0 || c.Processing.Workers > 64 {
		bad("processing.workers", "%d is out of range 0..64 (0 means one per CPU core)", c.Processing.Workers)
	}
	if c.Retrieval.TopK < 1 || c.Retrieval.TopK > 100 {
		bad("retrieval.top_k", "%d is out of range 1..100", c.Retrieval.TopK)
	}
	oneOf("retrieval.mode", c.Retrieval.Mode, "hybrid", "keyword", "vector")
	if c.Retrieval.RRFK < 1 || c.Retrieval.RRFK > 1000 {
		bad("retrieval.rrf_k", "%d is out of range 1..1000", c.Retrieval.RRFK)
	}
	if c.Retrieval.MinScore < 0 || c.Retrieval.MinScore > 1 {
		bad("retrieval.min_score", "%g is out of range 0..1", c.Retrieval.MinScore)
	}
	for _, name := range c.ProviderNames() {
		p := c.Providers[name]
		key := "providers." + name
		if !providerName.MatchString(name) {
			bad(key, "provider names use a-z, 0-9, '-' and '_' (at most 40)")
		}
		oneOf(key+".kind", p.Kind, KindOpenAI, KindAnthropic, KindOllama, KindOpenAICompatible)
		if p.BaseURL == "" {
			bad(key+".base_url", "is required")
		} else if err := checkURL(p.BaseURL); err != nil {
			bad(key+".base_url", "%v", err)
		}
		if p.Temperature < 0 || p.Temperature > 2 {
			bad(key+".temperature", "%g is out of range 0..2", p.Temperature)
		}
		if p.MaxTokens < 0 || p.MaxTokens > 1_000_000 {
			bad(key+".max_tokens", "%d is out of range 0..1000000", p.MaxTokens)
		}
		if p.Timeout.Duration < 0 {
			bad(key+".timeout", "must not be negative")
		}
	}
	if c.General.DefaultProvider != "" {
		if _, ok := c.Providers[c.General.DefaultProvider]; !ok {
			bad("general.default_provider", "%q is not a configured provider (have %v)", c.General.DefaultProvider, c.ProviderNames())
		}
	}
	return errs
}

func checkURL(s string) error {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("%q is not an http(s) URL", s)
	}
	if u.User != nil {
		return fmt.Errorf("%q carries credentials; keys belong in the keychain (`reasonkit keys set`)", s)
	}
	return nil
}
