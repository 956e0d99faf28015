package core

import (
	"context"
	"errors"
	"fmt"
	"net/url"

	"github.com/reasonkit/desktop/internal/config"
	"github.com/reasonkit/desktop/internal/egress"
	"github.com/reasonkit/desktop/internal/llm"
	"github.com/reasonkit/desktop/internal/protocol"
	"github.com/reasonkit/desktop/internal/search"
	"github.com/reasonkit/desktop/internal/secrets"
	"github.com/reasonkit/desktop/internal/store"
)

// Provider builds the chat client for a configured provider ("" means
// [general] default_provider), with its key from the keychain or the
// environment. A provider that needs a key and has none is an error that
// says how to add one.
func (c *Core) Provider(name string) (llm.Client, error) {
	if name == "" {
		name = c.Config().General.DefaultProvider
	}
	p, ok := c.Config().Providers[name]
	if !ok {
		return nil, fmt.Errorf("provider %q is not configured (have %v); add [providers.%s] to %s", name, c.Config().ProviderNames(), name, c.configFileName())
	}
	if !p.IsEnabled() {
		return nil, fmt.Errorf("provider %q is disabled in config (enabled = false)", name)
	}
	cred, err := c.keys.Get(name, p.KeyEnv)
	if err != nil && NeedsKey(p) {
		env := secrets.EnvVar(name, p.KeyEnv)
		hint := fmt.Sprintf("run `reasonkit keys set %s` (the key is read from stdin)", name)
		if env != "" {
			hint += " or set " + env
		}
		return nil, fmt.Errorf("provider %s has no API key: %s (%v)", name, hint, err)
	}
	return llm.New(name, p, cred, c.door)
}

// NeedsKey reports whether a provider cannot work without a key: hosted
// APIs do, local servers (Ollama, llama.cpp on loopback) do not.
func NeedsKey(p *config.Provider) bool {
	if p.Kind == config.KindOllama {
		return false
	}
	u, err := url.Parse(p.BaseURL)
	return err != nil || !egress.IsLoopback(u.Hostname())
}

func (c *Core) configFileName() string {
	if c.Config().Path != "" {
		return c.Config().Path
	}
	return "config.toml (`reasonkit config init` writes one)"
}

// Registry returns the built-in protocols plus the user's, and every
// problem found in the user's files (which never hides the good ones).
func (c *Core) Registry() (*protocol.Registry, []error) {
	return protocol.Load(c.Config().ProtocolDir())
}

// retriever grounds runs in a collection with hybrid search.
type retriever struct{ c *Core }

func (r retriever) Retrieve(ctx context.Context, collection, query string, k int) ([]protocol.Source, error) {
	resp, err := r.c.Search(ctx, search.Request{Collection: collection, Query: query, K: k, Mode: search.ModeHybrid})
	if err != nil {
		return nil, err
	}
	out := make([]protocol.Source, len(resp.Results))
	for i, res := range resp.Results {
		page := 0
		if res.Page != nil {
			page = *res.Page
		}
		out[i] = protocol.Source{ChunkID: res.ChunkID, Path: res.Path, Page: page, Heading: res.Heading, Text: res.Text}
	}
	return out, nil
}

// RunRequest is one ask or think run.
type RunRequest struct {
	// Exactly one of Protocol or Profile for think; neither for ask.
	Protocol, Profile string
	Query             string
	Inputs            map[string]string
	Collection        string
	Provider, Model   string
	History           []llm.Message // earlier chat turns (ask only)
	Budget            protocol.Budget
}

// Ask answers one question grounded in a collection (if given), streaming
// events to onEvent, and records the run.
func (c *Core) Ask(ctx context.Context, req RunRequest, onEvent func(protocol.Event)) (*protocol.Run, error) {
	deps, runID, err := c.runDeps(req, onEvent)
	if err != nil {
		return nil, err
	}
	ctx = store.WithRunID(ctx, runID)
	return protocol.Ask(ctx, protocol.AskSpec{RunID: runID, Question: req.Query, Collection: req.Collection,
		TopK: c.Config().Retrieval.TopK, History: req.History, Model: req.Model, Budget: req.Budget}, deps)
}

// Think runs a ThinkTool or a profile, streaming events to onEvent, and
// records the run.
func (c *Core) Think(ctx context.Context, req RunRequest, onEvent func(protocol.Event)) (*protocol.Run, error) {
	if (req.Protocol == "") == (req.Profile == "") {
		return nil, errors.New("name exactly one of a protocol or a profile")
	}
	deps, runID, err := c.runDeps(req, onEvent)
	if err != nil {
		return nil, err
	}
	ctx = store.WithRunID(ctx, runID)
	return protocol.Execute(ctx, protocol.RunSpec{RunID: runID, Protocol: req.Protocol, Profile: req.Profile, Query: req.Query,
		Inputs: req.Inputs, Collection: req.Collection, TopK: c.Config().Retrieval.TopK, Model: req.Model, Budget: req.Budget}, deps)
}

func (c *Core) runDeps(req RunRequest, onEvent func(protocol.Event)) (protocol.Deps, string, error) {
	prov, err := c.Provider(req.Provider)
	if err != nil {
		return protocol.Deps{}, "", err
	}
	reg, _ := c.Registry() // broken user files are reported by `protocols list`; built-ins always load
	if reg == nil {
		return protocol.Deps{}, "", errors.New("built-in protocols failed to load")
	}
	if req.Collection != "" {
		if _, err := c.store.Collection(context.Background(), req.Collection); err != nil {
			return protocol.Deps{}, "", fmt.Errorf("collection %q: %w; index documents into it first", req.Collection, err)
		}
	}
	deps := protocol.Deps{Registry: reg, Provider: prov, Retriever: retriever{c}, Recorder: c.store.Runs(), OnEvent: onEvent}
	return deps, protocol.NewRunID(), nil
}

// Runs lists recent runs, newest first.
func (c *Core) Runs(ctx context.Context, limit int) ([]store.RunSummary, error) {
	return c.store.ListRuns(ctx, limit)
}

// Run loads one run's full trace.
func (c *Core) Run(ctx context.Context, id string) (*protocol.Run, error) {
	return c.store.LoadRun(ctx, id)
}

// Outbound lists what was sent to model endpoints, for one run or all.
func (c *Core) Outbound(ctx context.Context, runID string, limit int) ([]store.OutboundRecord, error) {
	return c.store.Outbound(ctx, runID, limit)
}

// KeyStatuses reports every configured provider's key without revealing it.
func (c *Core) KeyStatuses() []secrets.Status {
	var out []secrets.Status
	for _, name := range c.Config().ProviderNames() {
		out = append(out, c.keys.Status(name, c.Config().Providers[name].KeyEnv))
	}
	return out
}

// SetKey stores a provider's key in the OS keychain and returns its masked status.
func (c *Core) SetKey(provider, key string) (secrets.Status, error) {
	p, ok := c.Config().Providers[provider]
	if !ok {
		return secrets.Status{}, fmt.Errorf("provider %q is not configured (have %v)", provider, c.Config().ProviderNames())
	}
	if err := c.keys.Set(provider, key); err != nil {
		return secrets.Status{}, err
	}
	return c.keys.Status(provider, p.KeyEnv), nil
}

// DeleteKey removes a provider's key from the OS keychain.
func (c *Core) DeleteKey(provider string) (secrets.Status, error) {
	p, ok := c.Config().Providers[provider]
	if !ok {
		return secrets.Status{}, fmt.Errorf("provider %q is not configured (have %v)", provider, c.Config().ProviderNames())
	}
	if err := c.keys.Delete(provider); err != nil {
		return secrets.Status{}, err
	}
	return c.keys.Status(provider, p.KeyEnv), nil
}

// TestKey makes the provider's cheapest authenticated call.
func (c *Core) TestKey(ctx context.Context, provider string) error {
	client, err := c.Provider(provider)
	if err != nil {
		return err
	}
	return client.TestKey(ctx)
}

// Models lists the models a provider offers (for pickers).
func (c *Core) Models(ctx context.Context, provider string) ([]string, error) {
	client, err := c.Provider(provider)
	if err != nil {
		return nil, err
	}
	return client.ListModels(ctx)
}
