package app

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/reasonkit/desktop/internal/config"
	"github.com/reasonkit/desktop/internal/core"
	"github.com/reasonkit/desktop/internal/secrets"
)

// keyTestTimeout bounds a key test (one model-list request).
const keyTestTimeout = 20 * time.Second

// SettingsService is the Settings screen's backend: providers and their
// keys, the embedder, the theme and where data lives. Keys travel one way
// only: SetKey takes a key and every method returns at most its masked
// status. Every change is validated and written to config.toml by the core.
type SettingsService struct {
	core *core.Core
}

// NewSettingsService returns the service for c.
func NewSettingsService(c *core.Core) *SettingsService { return &SettingsService{core: c} }

// ProviderInfo is one configured model provider.
type ProviderInfo struct {
	Name        string         `json:"name"`
	Kind        string         `json:"kind"`
	BaseURL     string         `json:"base_url"`
	Model       string         `json:"model"`
	Temperature float64        `json:"temperature"`
	Enabled     bool           `json:"enabled"`
	Default     bool           `json:"default"`   // [general] default_provider
	NeedsKey    bool           `json:"needs_key"` // hosted APIs do; Ollama and servers on this machine do not
	Key         secrets.Status `json:"key"`
}

// KeyTestResult says whether a provider answered with its key, and which
// models it offers when it did.
type KeyTestResult struct {
	OK      bool     `json:"ok"`
	Message string   `json:"message"`
	Models  []string `json:"models"`
}

func (s *SettingsService) provider(name string) (*config.Provider, error) {
	p := s.core.Config().Providers[name]
	if p == nil {
		return nil, fmt.Errorf("provider %q is not configured: add [providers.%s] to %s", name, name, configFile(s.core.Config()))
	}
	return p, nil
}

// Providers lists the configured providers with their key status, by name.
func (s *SettingsService) Providers() []ProviderInfo {
	cfg := s.core.Config()
	names := make([]string, 0, len(cfg.Providers))
	for n := range cfg.Providers {
		names = append(names, n)
	}
	sort.Strings(names)
	out := make([]ProviderInfo, 0, len(names))
	for _, n := range names {
		p := cfg.Providers[n]
		out = append(out, ProviderInfo{
			Name: n, Kind: p.Kind, BaseURL: p.BaseURL, Model: p.Model, Temperature: p.Temperature,
			Enabled: p.IsEnabled(), Default: n == cfg.General.DefaultProvider, NeedsKey: core.NeedsKey(p),
			Key: s.core.Keychain().Status(n, p.KeyEnv),
		})
	}
	return out
}

// SetKey stores provider's key in the OS keychain and returns the masked
// status. The key itself is never returned, logged or put in an error.
func (s *SettingsService) SetKey(provider, key string) (secrets.Status, error) {
	return s.core.SetKey(provider, strings.TrimSpace(key))
}

// DeleteKey removes provider's key from the keychain. A key that comes from
// an environment variable stays in force; the status says so.
func (s *SettingsService) DeleteKey(provider string) (secrets.Status, error) {
	st, err := s.core.DeleteKey(provider)
	if errors.Is(err, secrets.ErrNotFound) {
		p, perr := s.provider(provider)
		if perr != nil {
			return secrets.Status{}, perr
		}
		return s.core.Keychain().Status(provider, p.KeyEnv), nil
	}
	return st, err
}

// TestKey makes the provider's cheapest authenticated call (listing its
// models) and returns the models for the picker when it works.
func (s *SettingsService) TestKey(provider string) KeyTestResult {
	ctx, cancel := context.WithTimeout(context.Background(), keyTestTimeout)
	defer cancel()
	models, err := s.core.Models(ctx, provider)
	if err != nil {
		return KeyTestResult{Message: err.Error(), Models: []string{}}
	}
	if models == nil {
		models = []string{}
	}
	return KeyTestResult{OK: true, Message: fmt.Sprintf("%s answered: %d models available", provider, len(models)), Models: models}
}

// modelListTimeout bounds the model picker's request to a provider.
const modelListTimeout = 8 * time.Second

// ModelChoices fills a provider's model picker: the models it offers when
// it answered, or why it could not be asked (the UI then shows a text field).
type ModelChoices struct {
	Reachable bool     `json:"reachable"`
	Models    []string `json:"models"`
	Reason    string   `json:"reason"`
}

// Models asks provider for its models.
func (s *SettingsService) Models(provider string) ModelChoices {
	ctx, cancel := context.WithTimeout(context.Background(), modelListTimeout)
	defer cancel()
	models, err := s.core.Models(ctx, provider)
	if err != nil {
		return ModelChoices{Models: []string{}, Reason: err.Error()}
	}
	if len(models) == 0 {
		return ModelChoices{Models: []string{}, Reason: provider + " answered but listed no models; type the model name"}
	}
	sort.Strings(models)
	return ModelChoices{Reachable: true, Models: models}
}

// providerInfo is one provider's row as Providers returns it.
func (s *SettingsService) providerInfo(name string) (ProviderInfo, error) {
	for _, p := range s.Providers() {
		if p.Name == name {
			return p, nil
		}
	}
	return ProviderInfo{}, fmt.Errorf("provider %q is not configured", name)
}

// UpdateProvider saves a provider's enabled flag, base URL, model and
// temperature to config.toml and returns its new row. An invalid value is
// refused with the field named and nothing changes.
func (s *SettingsService) UpdateProvider(name string, p core.ProviderSettings) (ProviderInfo, error) {
	if _, err := s.provider(name); err != nil {
		return ProviderInfo{}, err
	}
	if err := s.core.UpdateProvider(name, p); err != nil {
		return ProviderInfo{}, err
	}
	return s.providerInfo(name)
}

// defaultTemperature is the temperature a newly added provider starts with.
const defaultTemperature = 0.2

// AddProvider adds an OpenAI-compatible server (LM Studio, llama.cpp,
// vLLM, a hosted gateway) under a new name, enabled, and returns its row.
func (s *SettingsService) AddProvider(name, baseURL, model string) (ProviderInfo, error) {
	name = strings.TrimSpace(name)
	if name == "" {
		return ProviderInfo{}, errors.New("name: give the provider a short name such as lmstudio")
	}
	if _, exists := s.core.Config().Providers[name]; exists {
		return ProviderInfo{}, fmt.Errorf("providers.%s: a provider with this name exists; edit it above", name)
	}
	if err := s.core.UpdateProvider(name, core.ProviderSettings{Enabled: true, BaseURL: baseURL, Model: model, Temperature: defaultTemperature}); err != nil {
		return ProviderInfo{}, err
	}
	return s.providerInfo(name)
}

// SetDefaultProvider makes name the provider Chat uses unless told otherwise.
func (s *SettingsService) SetDefaultProvider(name string) error {
	return s.core.SetDefaultProvider(name)
}

// SetTheme saves the theme (light, dark or system) in config.toml.
func (s *SettingsService) SetTheme(theme string) error { return s.core.SetTheme(theme) }

// EmbeddingInfo is the configured embedder and what choosing it means.
type EmbeddingInfo struct {
	Backend    string `json:"backend"`
	Model      string `json:"model"`
	Dimensions int    `json:"dimensions"`
	BaseURL    string `json:"base_url"`
	// OllamaURL is where an ollama embedder with no base URL sends text
	// (the ollama provider's base URL), for the UI's warning.
	OllamaURL string `json:"ollama_url"`
	// Remote is true when document text leaves this machine to be embedded.
	Remote bool `json:"remote"`
	// Reembed lists collections holding vectors from an earlier embedder;
	// they need re-embedding before new files get vectors.
	Reembed []string `json:"reembed"`
	// ReembedHint says how to re-embed them.
	ReembedHint string `json:"reembed_hint"`
}

// Embedding describes the configured embedder.
func (s *SettingsService) Embedding() EmbeddingInfo {
	cfg := s.core.Config()
	e := cfg.Embedding
	info := EmbeddingInfo{Backend: e.Backend, Model: e.Model, Dimensions: e.Dimensions, BaseURL: e.BaseURL, Reembed: []string{}}
	if p := cfg.Providers["ollama"]; p != nil {
		info.OllamaURL = p.BaseURL
	}
	info.Remote = remoteEmbedding(cfg)
	return info
}

// SetEmbedding saves the embedder choice. When it differs from the previous
// one, the collections that already hold vectors are listed in Reembed:
// vectors from two models are never mixed, so new files in those
// collections stay keyword-only until they are re-embedded.
func (s *SettingsService) SetEmbedding(backend, model string, dims int, baseURL string) (EmbeddingInfo, error) {
	before := s.core.Config().Embedding
	if err := s.core.SetEmbedding(backend, model, dims, baseURL); err != nil {
		return EmbeddingInfo{}, err
	}
	info := s.Embedding()
	after := s.core.Config().Embedding
	if before.Backend == after.Backend && before.Model == after.Model && before.Dimensions == after.Dimensions && before.BaseURL == after.BaseURL {
		return info, nil
	}
	cols, err := s.core.Collections(context.Background())
	if err != nil {
		return info, fmt.Errorf("embedding saved, but listing collections to re-embed failed: %w", err)
	}
	for _, c := range cols {
		if c.Embedded > 0 {
			info.Reembed = append(info.Reembed, c.Name)
		}
	}
	if len(info.Reembed) > 0 {
		info.ReembedHint = fmt.Sprintf("Re-embed each from the Library (select it, then Re-embed) or with `reasonkit index --collection NAME --reembed` (for example `reasonkit index --collection %s --reembed`); until then their new files are found by keyword search only.", info.Reembed[0])
	}
	return info, nil
}

// Locations says where this installation keeps its data.
type Locations struct {
	DataDir    string `json:"data_dir"`
	Database   string `json:"database"`
	ConfigFile string `json:"config_file"`
	// ConfigSaved is false while no config.toml exists (defaults in use).
	ConfigSaved bool `json:"config_saved"`
}

// Locations returns the data directory, database and config file paths.
func (s *SettingsService) Locations() Locations {
	cfg := s.core.Config()
	l := Locations{DataDir: cfg.DataDir, Database: cfg.DBPath(), ConfigSaved: cfg.Path != ""}
	l.ConfigFile, _ = cfg.FilePath()
	return l
}
