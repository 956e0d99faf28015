package app

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/reasonkit/desktop/internal/config"
	"github.com/reasonkit/desktop/internal/core"
	"github.com/reasonkit/desktop/internal/egress"
	"github.com/reasonkit/desktop/internal/secrets"
)

// keyTestTimeout bounds a key test (one model-list request).
const keyTestTimeout = 20 * time.Second

// SettingsService is the Settings screen's backend: providers and their
// keys. Keys travel one way only: SetKey takes a key and every method
// returns at most its masked status.
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
			Enabled: p.IsEnabled(), Default: n == cfg.General.DefaultProvider, NeedsKey: needsKey(p),
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

// needsKey reports whether a provider cannot work without a key (the same
// rule the core applies when it builds a client).
func needsKey(p *config.Provider) bool {
	if p.Kind == config.KindOllama {
		return false
	}
	u, err := url.Parse(p.BaseURL)
	return err != nil || !egress.IsLoopback(u.Hostname())
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
