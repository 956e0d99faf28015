package core

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/reasonkit/desktop/internal/llm/llmtest"
	"github.com/reasonkit/desktop/internal/protocol"
	"github.com/reasonkit/desktop/internal/store"
)

func TestChatThreadSendsEarlierTurnsAsHistory(t *testing.T) {
	srv := llmtest.New(t, llmtest.KindOpenAICompatible, llmtest.Script{Replies: []llmtest.Reply{
		{Text: "Paris is the capital of France.\nCONFIDENCE: 0.9"},
		{Text: "About two million people live in Paris.\nCONFIDENCE: 0.8"},
	}})
	c := openTestCore(t, srv)
	ctx := context.Background()
	id, err := c.CreateChat(ctx, "")
	if err != nil {
		t.Fatal(err)
	}

	var kinds []protocol.EventKind
	first, err := c.Chat(ctx, id, ChatRequest{Mode: "ask", Text: "What is the capital of France?"},
		func(e protocol.Event) { kinds = append(kinds, e.Kind) })
	if err != nil || first.Status != protocol.StatusCompleted || !strings.Contains(first.Answer, "Paris is the capital") {
		t.Fatalf("first turn: %+v, %v", first, err)
	}
	if kinds[0] != protocol.EventRunStarted || kinds[len(kinds)-1] != protocol.EventRunFinished || !containsKind(kinds, protocol.EventDelta) {
		t.Fatalf("events streamed: %v", kinds)
	}
	second, err := c.Chat(ctx, id, ChatRequest{Text: "How many people live there?"}, nil)
	if err != nil || second.Status != protocol.StatusCompleted {
		t.Fatalf("second turn: %+v, %v", second, err)
	}

	calls := srv.ChatCalls()
	if len(calls) != 2 {
		t.Fatalf("%d chat requests, want 2", len(calls))
	}
	if n := len(calls[0].Messages); n != 1 {
		t.Fatalf("first request carries %d messages, want only the question: %+v", n, calls[0].Messages)
	}
	got := calls[1].Messages
	if len(got) != 3 || got[0].Role != "user" || got[0].Content != "What is the capital of France?" ||
		got[1].Role != "assistant" || got[1].Content != first.Answer ||
		got[2].Role != "user" || !strings.Contains(got[2].Content, "How many people live there?") {
		t.Fatalf("second request messages = %+v, want the first turn as history, then the new question", got)
	}

	msgs, err := c.ChatMessages(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	want := []struct{ role, content, run string }{
		{"user", "What is the capital of France?", ""},
		{"assistant", first.Answer, first.ID},
		{"user", "How many people live there?", ""},
		{"assistant", second.Answer, second.ID},
	}
	if len(msgs) != len(want) {
		t.Fatalf("%d messages stored, want %d", len(msgs), len(want))
	}
	for i, w := range want {
		m := msgs[i]
		if m.Role != w.role || m.Content != w.content || m.RunID != w.run || m.Mode != "ask" {
			t.Fatalf("message %d = %+v, want %+v", i, m, w)
		}
		if m.Role == "assistant" && m.RunStatus != protocol.StatusCompleted {
			t.Fatalf("message %d run status = %q", i, m.RunStatus)
		}
	}
	chats, err := c.Chats(ctx)
	if err != nil || len(chats) != 1 || chats[0].Title != "What is the capital of France?" || chats[0].Messages != 4 ||
		!strings.HasPrefix(chats[0].Preview, "About two million") {
		t.Fatalf("chats = %+v, %v", chats, err)
	}
}

func containsKind(kinds []protocol.EventKind, k protocol.EventKind) bool {
	for _, x := range kinds {
		if x == k {
			return true
		}
	}
	return false
}

// TestChatRecordsEveryOutcome sends turns that fail, are stopped, or
// cannot start, then a good one: each leaves an assistant message saying
// what happened, and only completed turns go out as history.
func TestChatRecordsEveryOutcome(t *testing.T) {
	srv := llmtest.New(t, llmtest.KindOpenAICompatible, llmtest.Script{
		Rules: []llmtest.Rule{
			{Contains: "reject me", Reply: llmtest.Reply{Status: 400, Error: "the model refused the request", ErrorType: "invalid_request_error"}},
			{Contains: "slow please", Reply: llmtest.Reply{Chunks: []string{"Partial ", "words ", "that ", "never ", "finish"},
				ChunkDelay: llmtest.Duration{Duration: 300 * time.Millisecond}}},
		},
		Default: &llmtest.Reply{Text: "A fine answer.\nCONFIDENCE: 0.85"},
	})
	c := openTestCore(t, srv)
	ctx := context.Background()
	id, err := c.CreateChat(ctx, "outcomes")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Chat(ctx, id, ChatRequest{Text: "good question"}, nil); err != nil {
		t.Fatal(err)
	}

	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	stopMidway, stop := context.WithCancel(ctx)
	defer stop()
	tests := []struct {
		name      string
		ctx       context.Context
		req       ChatRequest
		onEvent   func(protocol.Event)
		status    string // run status; "" when no run starts
		errIs     error
		answerHas string
	}{
		{"provider error", ctx, ChatRequest{Text: "reject me"}, nil, protocol.StatusFailed, nil, "The run failed: "},
		{"stopped before start", cancelled, ChatRequest{Text: "never mind"}, nil, protocol.StatusCancelled, protocol.ErrCancelled, "Stopped before an answer was written."},
		{"stopped midway", stopMidway, ChatRequest{Text: "slow please"}, func(e protocol.Event) {
			if e.Kind == protocol.EventDelta {
				stop()
			}
		}, protocol.StatusCancelled, protocol.ErrCancelled, "What was written so far:\n\nPartial"},
		{"no such provider", ctx, ChatRequest{Text: "who answers?", Provider: "nope"}, nil, "", nil, `The run could not start: provider "nope" is not configured`},
		{"no such protocol", ctx, ChatRequest{Mode: "protocol:nosuch", Text: "q"}, nil, "", nil, `unknown protocol "nosuch"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			run, err := c.Chat(tt.ctx, id, tt.req, tt.onEvent)
			if err == nil {
				t.Fatal("no error returned")
			}
			if tt.errIs != nil && !errors.Is(err, tt.errIs) {
				t.Fatalf("err = %v, want %v", err, tt.errIs)
			}
			msgs, lerr := c.ChatMessages(ctx, id)
			if lerr != nil {
				t.Fatal(lerr)
			}
			q, a := msgs[len(msgs)-2], msgs[len(msgs)-1]
			if q.Role != store.RoleUser || q.Content != tt.req.Text || a.Role != store.RoleAssistant || !strings.Contains(a.Content, tt.answerHas) {
				t.Fatalf("last turn = %+v / %+v, want the answer to hold %q", q, a, tt.answerHas)
			}
			if tt.status == "" {
				if run != nil || a.RunID != "" {
					t.Fatalf("run = %+v, message linked to %q; want none", run, a.RunID)
				}
				return
			}
			if run == nil || run.Status != tt.status || a.RunID != run.ID || a.RunStatus != tt.status {
				t.Fatalf("run = %+v, message run %q (%s); want status %s linked", run, a.RunID, a.RunStatus, tt.status)
			}
		})
	}

	before := len(srv.ChatCalls())
	if _, err := c.Chat(ctx, id, ChatRequest{Text: "last question"}, nil); err != nil {
		t.Fatal(err)
	}
	calls := srv.ChatCalls()
	if len(calls) != before+1 {
		t.Fatalf("%d requests for one ask", len(calls)-before)
	}
	hist := calls[len(calls)-1].Messages
	if len(hist) != 3 || hist[0].Content != "good question" || hist[1].Content != "A fine answer." {
		t.Fatalf("history = %+v, want only the completed first turn", hist)
	}
	chats, _ := c.Chats(ctx)
	if chats[0].Title != "outcomes" {
		t.Fatalf("a titled thread was renamed to %q", chats[0].Title)
	}
}

func TestChatThinkModes(t *testing.T) {
	srv := llmtest.New(t, llmtest.KindOpenAICompatible, llmtest.Script{
		Default: &llmtest.Reply{Text: "1. Price is one angle.\n2. Risk is another.\nCONFIDENCE: 0.91"},
	})
	c := openTestCore(t, srv)
	ctx := context.Background()
	id, _ := c.CreateChat(ctx, "")
	if _, err := c.Chat(ctx, id, ChatRequest{Text: "Warm-up question"}, nil); err != nil {
		t.Fatal(err)
	}
	before := len(srv.ChatCalls())
	run, err := c.Chat(ctx, id, ChatRequest{Mode: "protocol:gigathink", Text: "Should we renew the Acme contract?"}, nil)
	if err != nil || run.Kind != "protocol" || run.Protocol != "gigathink" || run.Status != protocol.StatusCompleted {
		t.Fatalf("think run = %+v, %v", run, err)
	}
	for _, call := range srv.ChatCalls()[before:] {
		for _, m := range call.Messages {
			if strings.Contains(m.Content, "Warm-up question") {
				t.Fatal("a protocol step was sent the thread's earlier turns")
			}
		}
	}
	msgs, _ := c.ChatMessages(ctx, id)
	last := msgs[len(msgs)-1]
	if last.Mode != "protocol:gigathink" || last.RunID != run.ID || last.Content != run.Answer || msgs[len(msgs)-2].Mode != "protocol:gigathink" {
		t.Fatalf("recorded = %+v", msgs[len(msgs)-2:])
	}
}

func TestChatRejectsBadRequests(t *testing.T) {
	c := openTestCore(t, llmtest.NewOpenAI(t, "unused"))
	ctx := context.Background()
	id, _ := c.CreateChat(ctx, "")
	tests := []struct {
		name string
		chat int64
		req  ChatRequest
		want string
	}{
		{"empty text", id, ChatRequest{Text: "  \n"}, "message is empty"},
		{"unknown mode", id, ChatRequest{Mode: "debate", Text: "q"}, `chat mode "debate"`},
		{"protocol without id", id, ChatRequest{Mode: "protocol:", Text: "q"}, `chat mode "protocol:"`},
		{"missing chat", id + 1, ChatRequest{Text: "q"}, "not found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := c.Chat(ctx, tt.chat, tt.req, nil); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want %q", err, tt.want)
			}
		})
	}
	if msgs, err := c.ChatMessages(ctx, id); err != nil || len(msgs) != 0 {
		t.Fatalf("rejected requests stored %d messages (%v)", len(msgs), err)
	}
}

func TestChatTitleFromFirstMessage(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Short question?", "Short question?"},
		{"  spread\nover   lines ", "spread over lines"},
		{strings.Repeat("word ", 30), strings.TrimSpace(strings.Repeat("word ", 12)) + "…"},
	}
	for _, tt := range tests {
		if got := titleFrom(tt.in); got != tt.want {
			t.Errorf("titleFrom(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
