package core

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/reasonkit/desktop/internal/config"
	"github.com/reasonkit/desktop/internal/llm/llmtest"
	"github.com/reasonkit/desktop/internal/protocol"
)

// openTestCore opens a core on a temp data dir with one loopback provider.
func openTestCore(t *testing.T, srv *llmtest.Server) *Core {
	t.Helper()
	cfg := config.Default()
	cfg.DataDir = filepath.Join(t.TempDir(), "data")
	cfg.ConfigDir = filepath.Join(t.TempDir(), "conf")
	cfg.Providers["fake"] = &config.Provider{Kind: config.KindOpenAICompatible, BaseURL: srv.BaseURL, Model: "fake-model", MaxTokens: 512}
	cfg.General.DefaultProvider = "fake"
	c, err := Open(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// TestBalancedProfileOverRealHTTP runs the balanced profile through the real
// OpenAI-compatible client against a loopback server, grounded in an indexed
// document, and checks the trace, the citations and the outbound log.
func TestBalancedProfileOverRealHTTP(t *testing.T) {
	srv := llmtest.New(t, llmtest.KindOpenAICompatible, llmtest.Script{
		Default: &llmtest.Reply{Text: "1. Renewal terms are favourable [S1].\n2. Price rises are capped [S1].\nCONFIDENCE: 0.92"},
	})
	c := openTestCore(t, srv)
	ctx := context.Background()
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "acme.md"), []byte("# Acme contract\n\nThe contract renews yearly. Price rises are capped at 3%.\n"), 0o644)
	if _, err := c.Index(ctx, IndexRequest{Paths: []string{dir}, SkipEmbed: true}, nil); err != nil {
		t.Fatal(err)
	}
	var kinds []protocol.EventKind
	run, err := c.Think(ctx, RunRequest{Profile: "balanced", Query: "Should we renew the Acme contract?", Collection: "default"},
		func(e protocol.Event) { kinds = append(kinds, e.Kind) })
	if err != nil {
		t.Fatalf("think: %v", err)
	}
	if run.Status != protocol.StatusCompleted || run.Confidence == nil || len(run.Citations) == 0 {
		t.Fatalf("run = %+v", run)
	}
	if filepath.Base(run.Citations[0].Path) != "acme.md" || run.Citations[0].ChunkID == 0 {
		t.Fatalf("citation not linked to its chunk: %+v", run.Citations[0])
	}
	protocols := map[string]bool{}
	for _, s := range run.Steps {
		protocols[s.Protocol] = true
	}
	// Confidence 0.92 >= 0.90, so balanced skips bedrock and then has no
	// axioms to hand to proofguard.
	if !protocols["gigathink"] || !protocols["laserlogic"] || protocols["bedrock"] {
		t.Fatalf("protocols run: %v", protocols)
	}
	if kinds[0] != protocol.EventRunStarted || kinds[len(kinds)-1] != protocol.EventRunFinished {
		t.Fatalf("events: %v", kinds)
	}
	stored, err := c.Run(ctx, run.ID)
	if err != nil || len(stored.Steps) != len(run.Steps) || stored.Steps[0].Prompt != run.Steps[0].Prompt {
		t.Fatalf("stored trace differs: %v", err)
	}
	sent, err := c.Outbound(ctx, run.ID, 100)
	if err != nil || len(sent) != len(srv.ChatCalls()) {
		t.Fatalf("outbound log has %d entries for %d requests: %v", len(sent), len(srv.ChatCalls()), err)
	}
	if !strings.Contains(sent[0].Body, "Price rises are capped") {
		t.Fatal("the logged body does not hold the retrieved passage that was sent")
	}
}

func TestProviderWithoutKeySaysWhatToDo(t *testing.T) {
	srv := llmtest.NewOpenAI(t, "x")
	c := openTestCore(t, srv)
	c.Config().Providers["hosted"] = &config.Provider{Kind: config.KindOpenAI, BaseURL: "https://api.example.com/v1", Model: "m", KeyEnv: "REASONKIT_TEST_UNSET_KEY"}
	_, err := c.Provider("hosted")
	if err == nil || !strings.Contains(err.Error(), "reasonkit keys set hosted") || !strings.Contains(err.Error(), "REASONKIT_TEST_UNSET_KEY") {
		t.Fatalf("error = %v", err)
	}
	if _, err := c.Provider("nope"); err == nil || !strings.Contains(err.Error(), "not configured") {
		t.Fatalf("unknown provider error = %v", err)
	}
	if _, err := c.Think(context.Background(), RunRequest{Protocol: "gt", Query: "q", Collection: "missing"}, nil); err == nil || !strings.Contains(err.Error(), "index documents into it first") {
		t.Fatalf("missing collection error = %v", err)
	}
	if _, err := c.Think(context.Background(), RunRequest{Query: "q"}, nil); err == nil {
		t.Fatal("think without protocol or profile accepted")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if run, err := c.Ask(ctx, RunRequest{Query: "q"}, nil); !errors.Is(err, protocol.ErrCancelled) || run.Status != protocol.StatusCancelled {
		t.Fatalf("cancelled ask: %v", err)
	}
}
