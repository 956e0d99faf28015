package core

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/reasonkit/desktop/internal/config"
)

// ProviderSettings are the provider fields the Settings screen edits.
type ProviderSettings struct {
	Enabled     bool    `json:"enabled"`
	BaseURL     string  `json:"base_url"`
	Model       string  `json:"model"`
	Temperature float64 `json:"temperature"`
}

// Defaults for a provider added from the Settings screen.
const (
	newProviderMaxTokens = 2048
	newProviderTimeout   = 120 * time.Second
)

// UpdateProvider sets an existing provider's enabled flag, base URL, model
// and temperature, or adds an openai-compatible provider under a new name.
// The change is validated, written to config.toml and only then takes
// effect; an invalid one changes nothing and names the field.
func (c *Core) UpdateProvider(name string, s ProviderSettings) error {
	name = strings.TrimSpace(name)
	return c.changeConfig(func(next *config.Config) error {
		p := next.Providers[name]
		if p == nil {
			p = &config.Provider{Kind: config.KindOpenAICompatible, MaxTokens: newProviderMaxTokens,
				Timeout: config.Duration{Duration: newProviderTimeout}}
			next.Providers[name] = p
		}
		enabled := s.Enabled
		p.Enabled = &enabled
		p.BaseURL = strings.TrimSpace(s.BaseURL)
		p.Model = strings.TrimSpace(s.Model)
		p.Temperature = s.Temperature
		if p.Model == "" {
			return fmt.Errorf("providers.%s.model: choose a model (the picker lists what the provider offers)", name)
		}
		if !enabled && next.General.DefaultProvider == name {
			return fmt.Errorf("providers.%s.enabled: %s is the default provider; choose another default before disabling it", name, name)
		}
		return nil
	})
}

// SetDefaultProvider makes name the provider used when none is chosen.
func (c *Core) SetDefaultProvider(name string) error {
	return c.changeConfig(func(next *config.Config) error {
		p := next.Providers[name]
		if p == nil {
			return fmt.Errorf("general.default_provider: %q is not a configured provider (have %v)", name, next.ProviderNames())
		}
		if !p.IsEnabled() {
			return fmt.Errorf("general.default_provider: provider %q is disabled; enable it first", name)
		}
		next.General.DefaultProvider = name
		return nil
	})
}

// SetEmbedding chooses the embedder: backend local, ollama or openai, its
// model, vector size (0 = the model's own) and base URL ("" = the backend's
// default). The next search or index uses it. Collections embedded with the
// previous model are not mixed with it: indexing into them is refused until
// they are re-embedded (`reasonkit index --collection NAME --reembed`).
func (c *Core) SetEmbedding(backend, model string, dims int, baseURL string) error {
	err := c.changeConfig(func(next *config.Config) error {
		e := &next.Embedding
		e.Backend = strings.TrimSpace(backend)
		e.Model = strings.TrimSpace(model)
		e.Dimensions = dims
		e.BaseURL = strings.TrimSpace(baseURL)
		if e.Backend == "local" {
			// The built-in model has one name and size; a remote base URL
			// makes no sense for it.
			d := config.Default().Embedding
			e.Model, e.Dimensions, e.BaseURL = d.Model, d.Dimensions, ""
		}
		return nil
	})
	if err != nil {
		return err
	}
	c.embedMu.Lock()
	c.embedLoaded, c.embedder, c.embedErr = false, nil, nil
	c.embedMu.Unlock()
	return nil
}

// SetTheme saves the desktop theme: system, light or dark.
func (c *Core) SetTheme(theme string) error {
	return c.changeConfig(func(next *config.Config) error {
		next.General.Theme = theme
		return nil
	})
}

// changeConfig applies change to a copy of the config, validates and saves
// the copy, and only then makes it the live config. Readers never see a
// half-made change: providers are replaced, not edited in place.
func (c *Core) changeConfig(change func(next *config.Config) error) error {
	c.settingsMu.Lock()
	defer c.settingsMu.Unlock()
	next := cloneConfig(c.Config())
	if err := change(next); err != nil {
		return err
	}
	if err := config.Save(next); err != nil {
		return err
	}
	c.cfg.Store(next)
	return nil
}

// cloneConfig copies cfg deeply enough that editing the copy never touches
// values the live config still points at.
func cloneConfig(cfg *config.Config) *config.Config {
	next := *cfg
	next.Providers = make(map[string]*config.Provider, len(cfg.Providers))
	for name, p := range cfg.Providers {
		cp := *p
		if p.Enabled != nil {
			on := *p.Enabled
			cp.Enabled = &on
		}
		next.Providers[name] = &cp
	}
	next.Server.CORS = slices.Clone(cfg.Server.CORS)
	return &next
}
