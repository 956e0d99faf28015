package main

import (
	"bufio"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/reasonkit/desktop/internal/config"
	"github.com/reasonkit/desktop/internal/egress"
	"github.com/reasonkit/desktop/internal/llm"
	"github.com/reasonkit/desktop/internal/secrets"
)

func TestServesScriptFromFile(t *testing.T) {
	script := `{
	  "models": ["fake-model"],
	  "rules": [{"contains": "GigaThink", "reply": {"text": "Many ideas. CONFIDENCE: 0.8"}}],
	  "replies": [{"status": 500, "error": "warming up"}, {"text": "Hello there", "chunk_delay": "5ms", "output_tokens": 2}]
	}`
	path := filepath.Join(t.TempDir(), "script.json")
	if err := os.WriteFile(path, []byte(script), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, kind := range []string{"openai", "anthropic", "ollama"} {
		t.Run(kind, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			pr, pw := io.Pipe()
			done := make(chan error, 1)
			go func() { done <- run(ctx, []string{"-kind", kind, "-script", path}, pw, io.Discard); pw.Close() }()
			base, err := bufio.NewReader(pr).ReadString('\n')
			if err != nil {
				t.Fatal(err)
			}
			go io.Copy(io.Discard, pr)
			base = strings.TrimSpace(base)
			if !strings.HasPrefix(base, "http://127.0.0.1:") {
				t.Fatalf("printed %q", base)
			}
			c, err := llm.New("fake", &config.Provider{Kind: kind, BaseURL: base, Model: "fake-model"}, secrets.Credential{}, egress.New(nil),
				llm.WithSleep(func(context.Context, time.Duration) error { return nil }))
			if err != nil {
				t.Fatal(err)
			}
			resp, err := c.Chat(ctx, llm.Request{Messages: []llm.Message{{Role: "user", Content: "hi"}}}, nil)
			if err != nil || resp.Text != "Hello there" || resp.Usage.OutputTokens != 2 {
				t.Fatalf("after a 500, Chat = %+v, %v", resp, err)
			}
			resp, err = c.Chat(ctx, llm.Request{System: "You are GigaThink.", Messages: []llm.Message{{Role: "user", Content: "q"}}}, nil)
			if err != nil || resp.Text != "Many ideas. CONFIDENCE: 0.8" {
				t.Fatalf("rule reply = %+v, %v", resp, err)
			}
			_, err = c.Chat(ctx, llm.Request{Messages: []llm.Message{{Role: "user", Content: "again"}}}, nil)
			if !errors.Is(err, llm.ErrServer) || !strings.Contains(err.Error(), "script exhausted") {
				t.Fatalf("exhausted script: %v", err)
			}
			cancel()
			if err := <-done; err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestRejectsBadInvocations(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.json")
	os.WriteFile(bad, []byte(`{"replies":[{"txt":"typo"}]}`), 0o600)
	good := filepath.Join(dir, "good.json")
	os.WriteFile(good, []byte(`{}`), 0o600)
	cases := []struct {
		args []string
		want string
	}{
		{nil, "-script FILE is required"},
		{[]string{"-script", bad}, `unknown field "txt"`},
		{[]string{"-script", good, "-kind", "palm"}, `unknown kind "palm"`},
		{[]string{"-script", good, "-addr", "0.0.0.0:0"}, "not loopback"},
	}
	for _, c := range cases {
		err := run(context.Background(), c.args, io.Discard, io.Discard)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("run(%v) = %v, want %q", c.args, err, c.want)
		}
	}
}
