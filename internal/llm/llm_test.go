package llm

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/reasonkit/desktop/internal/config"
	"github.com/reasonkit/desktop/internal/egress"
	"github.com/reasonkit/desktop/internal/llm/llmtest"
	"github.com/reasonkit/desktop/internal/secrets"
)

const plantedKey = "sk-test-PLANTED-0123456789-zz9y"

// outlog is the outbound log in memory.
type outlog struct {
	mu      sync.Mutex
	entries []egress.Entry
}

func (l *outlog) LogOutbound(_ context.Context, e egress.Entry) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.entries = append(l.entries, e)
	return nil
}

func (l *outlog) all() []egress.Entry {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]egress.Entry(nil), l.entries...)
}

// credential resolves key the way the app does, from the environment.
func credential(t testing.TB, provider, key string) secrets.Credential {
	t.Helper()
	if key == "" {
		return secrets.Credential{}
	}
	c, err := secrets.New(func(string) string { return key }).Get(provider, "TEST_KEY")
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// fixture is a client wired to a fake server, recording sleeps and the log.
type fixture struct {
	client Client
	srv    *llmtest.Server
	log    *outlog
	sleeps []time.Duration
}

func newFixture(t testing.TB, kind string, script llmtest.Script, key string, opts ...Option) *fixture {
	t.Helper()
	srv := llmtest.New(t, kind, script)
	f := &fixture{srv: srv, log: &outlog{}}
	p := &config.Provider{Kind: kind, BaseURL: srv.BaseURL, Model: "fake-model", Temperature: 0.2, MaxTokens: 256, Timeout: config.Duration{Duration: 5 * time.Second}}
	opts = append([]Option{WithSleep(func(ctx context.Context, d time.Duration) error {
		f.sleeps = append(f.sleeps, d)
		return ctx.Err()
	})}, opts...)
	c, err := New("test-"+kind, p, credential(t, "test-"+kind, key), egress.New(f.log), opts...)
	if err != nil {
		t.Fatal(err)
	}
	f.client = c
	return f
}

var kinds = []string{config.KindOpenAI, config.KindOpenAICompatible, config.KindAnthropic, config.KindOllama}

func TestChatStreamsEachWireFormat(t *testing.T) {
	for _, kind := range kinds {
		t.Run(kind, func(t *testing.T) {
			f := newFixture(t, kind, llmtest.Script{Key: plantedKey, Replies: []llmtest.Reply{{Text: "The answer is 42.", InputTokens: 11, OutputTokens: 4}}}, plantedKey)
			var deltas []string
			temp := 0.7
			resp, err := f.client.Chat(context.Background(), Request{
				System: "Be brief.", Messages: []Message{{Role: RoleUser, Content: "What is the answer?"}},
				Temperature: &temp, MaxTokens: 100, Purpose: "think:gt/step1",
			}, func(s string) { deltas = append(deltas, s) })
			if err != nil {
				t.Fatal(err)
			}
			if want := []string{"The ", "answer ", "is ", "42."}; strings.Join(deltas, "|") != strings.Join(want, "|") {
				t.Fatalf("deltas %q, want %q", deltas, want)
			}
			if resp.Text != "The answer is 42." || resp.Model != "fake-model" || resp.FinishReason != "stop" ||
				resp.Usage != (Usage{InputTokens: 11, OutputTokens: 4}) || resp.FirstToken <= 0 || resp.Latency < resp.FirstToken {
				t.Fatalf("response %+v", resp)
			}

			calls := f.srv.ChatCalls()
			if len(calls) != 1 {
				t.Fatalf("%d chat calls", len(calls))
			}
			call := calls[0]
			if call.System != "Be brief." || call.Prompt() != "What is the answer?" || call.Model != "fake-model" || !call.Stream {
				t.Fatalf("server decoded %+v", call)
			}
			var body map[string]any
			json.Unmarshal(call.Body, &body)
			switch kind {
			case config.KindOpenAI, config.KindOpenAICompatible:
				if call.Header.Get("Authorization") != "Bearer "+plantedKey {
					t.Fatalf("Authorization header %q", call.Header.Get("Authorization"))
				}
				if !strings.Contains(string(call.Body), `"stream_options":{"include_usage":true}`) || body["temperature"] != 0.7 {
					t.Fatalf("body %s", call.Body)
				}
				maxField := "max_tokens"
				if kind == config.KindOpenAI {
					maxField = "max_completion_tokens"
				}
				if body[maxField] != 100.0 {
					t.Fatalf("body lacks %s=100: %s", maxField, call.Body)
				}
			case config.KindAnthropic:
				if call.Header.Get("x-api-key") != plantedKey || call.Header.Get("anthropic-version") != "2023-06-01" || call.Header.Get("Authorization") != "" {
					t.Fatalf("headers %v", call.Header)
				}
				if body["system"] != "Be brief." || body["max_tokens"] != 100.0 {
					t.Fatalf("body %s", call.Body)
				}
			case config.KindOllama:
				opts, _ := body["options"].(map[string]any)
				if opts["temperature"] != 0.7 || opts["num_predict"] != 100.0 || call.Header.Get("Authorization") != "Bearer "+plantedKey {
					t.Fatalf("body %s headers %v", call.Body, call.Header)
				}
			}

			entries := f.log.all()
			if len(entries) != 1 {
				t.Fatalf("%d log entries", len(entries))
			}
			e := entries[0]
			if e.Body != string(call.Body) || e.Bytes != len(call.Body) || e.Purpose != "think:gt/step1" || e.Provider != "test-"+kind || e.Status != 200 {
				t.Fatalf("log entry %+v\nserver body %s", e, call.Body)
			}
			if strings.Contains(fmt.Sprintf("%#v", entries), plantedKey) {
				t.Fatal("the outbound log holds the key")
			}
		})
	}
}

func TestErrorCases(t *testing.T) {
	type tc struct {
		name       string
		script     llmtest.Script
		key        string
		timeout    time.Duration
		want       error
		wantText   string
		wantCalls  int
		wantSleeps []time.Duration
		wantDelta  string
	}
	ok := llmtest.Reply{Text: "fine then"}
	cases := []tc{
		{name: "bad key 401", script: llmtest.Script{Key: "sk-the-right-one-000000"}, key: plantedKey, want: ErrBadKey, wantText: "keys set", wantCalls: 1},
		{name: "no key 401", script: llmtest.Script{Key: "sk-the-right-one-000000"}, want: ErrBadKey, wantText: "no API key is set", wantCalls: 1},
		{name: "unknown model 404", script: llmtest.Script{Models: []string{"other-model"}}, want: ErrUnknownModel, wantText: `"fake-model"`, wantCalls: 1},
		{name: "429 with Retry-After then success", script: llmtest.Script{Replies: []llmtest.Reply{{Status: 429, RetryAfter: "2", Error: "slow down"}, ok}},
			wantCalls: 2, wantSleeps: []time.Duration{2 * time.Second}, wantDelta: "fine then"},
		{name: "429 Retry-After beyond the cap", script: llmtest.Script{Replies: []llmtest.Reply{{Status: 429, RetryAfter: "120", Error: "slow down"}, ok}},
			want: ErrRateLimited, wantText: "wait 2m0s", wantCalls: 1},
		{name: "429 every time", script: llmtest.Script{Default: &llmtest.Reply{Status: 429, RetryAfter: "1", Error: "slow down"}},
			want: ErrRateLimited, wantCalls: 3, wantSleeps: []time.Duration{time.Second, time.Second}},
		{name: "500 then success", script: llmtest.Script{Replies: []llmtest.Reply{{Status: 500, Error: "boom"}, ok}},
			wantCalls: 2, wantSleeps: []time.Duration{500 * time.Millisecond}, wantDelta: "fine then"},
		{name: "503 twice then success", script: llmtest.Script{Replies: []llmtest.Reply{{Status: 503}, {Status: 503}, ok}},
			wantCalls: 3, wantSleeps: []time.Duration{500 * time.Millisecond, time.Second}, wantDelta: "fine then"},
		{name: "stream cut midway", script: llmtest.Script{Replies: []llmtest.Reply{{Text: "one two three four", CutAfter: 2}, ok}},
			want: ErrStreamCut, wantText: "after 8 characters", wantCalls: 1, wantDelta: "one two "},
		{name: "server too slow", script: llmtest.Script{Replies: []llmtest.Reply{{Text: "late", Delay: llmtest.Duration{Duration: 3 * time.Second}}}},
			timeout: 150 * time.Millisecond, want: ErrTimeout, wantText: "150ms", wantCalls: 1},
		{name: "stream stalls", script: llmtest.Script{Replies: []llmtest.Reply{{Text: "a b", ChunkDelay: llmtest.Duration{Duration: 3 * time.Second}}}},
			timeout: 150 * time.Millisecond, want: ErrTimeout, wantCalls: 1, wantDelta: "a "},
		{name: "malformed JSON", script: llmtest.Script{Replies: []llmtest.Reply{{Text: "a b c", Malformed: true}}},
			want: ErrBadResponse, wantText: "malformed", wantCalls: 1, wantDelta: "a "},
		{name: "context too long", script: llmtest.Script{Replies: []llmtest.Reply{{Status: 400, ErrorType: "invalid_request_error", Error: "prompt is too long: 250000 tokens > 200000 maximum"}}},
			want: ErrContextTooLong, wantText: "retrieval.top_k", wantCalls: 1},
		{name: "error inside the stream", script: llmtest.Script{Replies: []llmtest.Reply{{Text: "partial answer", StreamError: "Overloaded"}}},
			want: ErrServer, wantText: "Overloaded", wantCalls: 1, wantDelta: "partial answer"},
	}
	for _, kind := range kinds {
		for _, c := range cases {
			t.Run(kind+"/"+c.name, func(t *testing.T) {
				var opts []Option
				if c.timeout > 0 {
					opts = append(opts, WithTimeout(c.timeout))
				}
				// Fixed jitter-free expectations: compare backoff sleeps
				// within ±20%.
				f := newFixture(t, kind, c.script, c.key, opts...)
				var got strings.Builder
				start := time.Now()
				resp, err := f.client.Chat(context.Background(), Request{Messages: []Message{{Role: RoleUser, Content: "hi"}}}, func(s string) { got.WriteString(s) })
				elapsed := time.Since(start)
				if c.want == nil {
					if err != nil || resp.Text != c.wantDelta {
						t.Fatalf("Chat = %v, %v; want %q", resp, err, c.wantDelta)
					}
				} else {
					if !errors.Is(err, c.want) {
						t.Fatalf("err = %v, want %v", err, c.want)
					}
					var e *Error
					if !errors.As(err, &e) || e.Hint == "" {
						t.Fatalf("err %v is not an *Error with a hint", err)
					}
					if !strings.Contains(err.Error(), c.wantText) {
						t.Fatalf("err %q does not contain %q", err, c.wantText)
					}
					if strings.Contains(err.Error(), plantedKey) {
						t.Fatalf("error leaks the key: %v", err)
					}
				}
				if got.String() != c.wantDelta {
					t.Fatalf("streamed %q, want %q", got.String(), c.wantDelta)
				}
				if n := len(f.srv.ChatCalls()); n != c.wantCalls {
					t.Fatalf("%d chat calls, want %d", n, c.wantCalls)
				}
				if len(f.sleeps) != len(c.wantSleeps) {
					t.Fatalf("slept %v, want %v", f.sleeps, c.wantSleeps)
				}
				for i, want := range c.wantSleeps {
					if d := f.sleeps[i]; d < want*8/10 || d > want*12/10 {
						t.Fatalf("sleep %d = %v, want %v ±20%%", i, d, want)
					}
				}
				if c.timeout > 0 && elapsed > 2*time.Second {
					t.Fatalf("timeout of %v took %v", c.timeout, elapsed)
				}
				if n := len(f.log.all()); n != c.wantCalls {
					t.Fatalf("%d outbound log entries for %d requests", n, c.wantCalls)
				}
			})
		}
	}
}

func TestUnreachable(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	for _, kind := range kinds {
		p := &config.Provider{Kind: kind, BaseURL: "http://" + addr + "/v1", Model: "m"}
		c, err := New("gone", p, secrets.Credential{}, egress.New(nil))
		if err != nil {
			t.Fatal(err)
		}
		_, err = c.Chat(context.Background(), Request{Messages: []Message{{Role: RoleUser, Content: "hi"}}}, nil)
		if !errors.Is(err, ErrUnreachable) || !strings.Contains(err.Error(), addr) || !strings.Contains(err.Error(), "providers.gone.base_url") {
			t.Fatalf("%s: err = %v, want ErrUnreachable naming the address and the setting", kind, err)
		}
		if err := c.TestKey(context.Background()); !errors.Is(err, ErrUnreachable) {
			t.Fatalf("%s: TestKey = %v, want ErrUnreachable", kind, err)
		}
	}
}

func TestCancelStopsTheStream(t *testing.T) {
	for _, kind := range kinds {
		f := newFixture(t, kind, llmtest.Script{Replies: []llmtest.Reply{{Text: "a b c d", ChunkDelay: llmtest.Duration{Duration: time.Second}}}}, "")
		ctx, cancel := context.WithCancel(context.Background())
		_, err := f.client.Chat(ctx, Request{Messages: []Message{{Role: RoleUser, Content: "hi"}}}, func(string) { cancel() })
		if !errors.Is(err, context.Canceled) || errors.Is(err, ErrTimeout) {
			t.Fatalf("%s: err = %v, want context.Canceled", kind, err)
		}
	}
}

func TestListModelsAndTestKey(t *testing.T) {
	for _, kind := range kinds {
		t.Run(kind, func(t *testing.T) {
			script := llmtest.Script{Key: plantedKey, Models: []string{"zeta-1", "alpha-2"}}
			f := newFixture(t, kind, script, plantedKey)
			ids, err := f.client.ListModels(context.Background())
			if err != nil || strings.Join(ids, ",") != "alpha-2,zeta-1" {
				t.Fatalf("ListModels = %v, %v", ids, err)
			}
			if err := f.client.TestKey(context.Background()); err != nil {
				t.Fatalf("TestKey with the right key: %v", err)
			}
			bad := newFixture(t, kind, script, "sk-wrong-key-555555555")
			if err := bad.client.TestKey(context.Background()); !errors.Is(err, ErrBadKey) || strings.Contains(err.Error(), "sk-wrong-key-555555555") {
				t.Fatalf("TestKey with a wrong key = %v, want ErrBadKey without the key", err)
			}
			if e := f.log.all(); len(e) != 2 || e[0].Purpose != "list-models" || e[1].Purpose != "test-key" || e[0].Body != "" {
				t.Fatalf("log %+v", e)
			}
		})
	}
}

func TestNewRejectsBadConfig(t *testing.T) {
	door := egress.New(nil)
	cases := []struct {
		name string
		p    *config.Provider
		want string
	}{
		{"missing", nil, "add [providers.x]"},
		{"plain http to a remote host", &config.Provider{Kind: "openai-compatible", BaseURL: "http://llm.example.com/v1"}, "use https://llm.example.com"},
		{"unknown kind", &config.Provider{Kind: "palm", BaseURL: "https://x.example"}, "providers.x.kind"},
	}
	for _, c := range cases {
		if _, err := New("x", c.p, secrets.Credential{}, door); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err = %v, want %q", c.name, err, c.want)
		}
	}
	if _, err := New("x", &config.Provider{Kind: "openai", BaseURL: "https://x.example/v1"}, secrets.Credential{}, nil); err == nil {
		t.Error("nil door accepted")
	}
}

func TestEstimateCost(t *testing.T) {
	u := Usage{InputTokens: 1_000_000, OutputTokens: 500_000}
	cases := []struct {
		model string
		want  float64
		ok    bool
	}{
		{"gpt-4o-mini", 0.15 + 0.30, true},
		{"gpt-4o-mini-2024-07-18", 0.45, true},
		{"gpt-4o", 2.50 + 5.00, true},
		{"claude-3-5-haiku-latest", 0.80 + 2.00, true},
		{"claude-3-5-haiku-20241022", 2.80, true},
		{"anthropic/claude-sonnet-4", 3 + 7.5, true},
		{"gpt-4.1-nano", 0.10 + 0.20, true},
		{"llama3.2", 0, false},
		{"gpt-4omega", 0, false},
	}
	for _, c := range cases {
		got, ok := EstimateCost(c.model, u)
		if ok != c.ok || (got-c.want) > 1e-9 || (c.want-got) > 1e-9 {
			t.Errorf("EstimateCost(%q) = %v, %v; want %v, %v", c.model, got, ok, c.want, c.ok)
		}
	}
}
