package app

import (
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/reasonkit/desktop/internal/config"
	"github.com/reasonkit/desktop/internal/core"
	"github.com/reasonkit/desktop/internal/llm/llmtest"
)

// chatEvents collects the ChatEvents of one ticket until it ends.
func chatEvents(t *testing.T, host *recorder, ticket int64) []ChatEvent {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		var out []ChatEvent
		host.mu.Lock()
		for _, e := range host.events {
			if ev, ok := e.data.(ChatEvent); ok && e.name == EventChat && ev.Ticket == ticket {
				out = append(out, ev)
			}
		}
		host.mu.Unlock()
		if n := len(out); n > 0 && (out[n-1].Kind == "finished" || out[n-1].Kind == "error") {
			return out
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("ticket %d did not finish", ticket)
	return nil
}

func chatCore(t *testing.T, script llmtest.Script) (*core.Core, *llmtest.Server) {
	t.Helper()
	c := openCore(t)
	srv := llmtest.New(t, llmtest.KindOpenAICompatible, script)
	enabled := true
	c.Config().Providers["fake"] = &config.Provider{Kind: config.KindOpenAICompatible, BaseURL: srv.BaseURL, Model: "fake-model",
		Temperature: 0.2, MaxTokens: 512, Enabled: &enabled}
	return c, srv
}

func TestChatAskStreamsAndRecords(t *testing.T) {
	c, srv := chatCore(t, llmtest.Script{Default: &llmtest.Reply{Text: "The notice period is ninety days [S1].\nCONFIDENCE: 0.82"}})
	host := &recorder{}
	lib := NewLibraryService(c, host, "t")
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "lease.md"), "# Lease\n\nThe termination notice period is ninety days, given in writing.\n")
	if _, err := lib.AddPaths("work", []string{dir}); err != nil {
		t.Fatal(err)
	}
	lib.wait()

	chat := NewChatService(c, host)
	id, err := chat.NewThread()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := chat.Send(id, core.ChatRequest{Mode: "ask", Text: "  "}); err == nil {
		t.Fatal("empty message: want an error")
	}
	ticket, err := chat.Send(id, core.ChatRequest{Mode: "ask", Text: "What is the notice period?", Collection: "work", Provider: "fake"})
	if err != nil {
		t.Fatal(err)
	}
	evs := chatEvents(t, host, ticket)
	last := evs[len(evs)-1]
	if last.Kind != "finished" || last.Run == nil || last.Run.Status != "completed" {
		t.Fatalf("last event = %+v", last)
	}
	var streamed strings.Builder
	for _, e := range evs {
		if e.Kind == "delta" {
			streamed.WriteString(e.Text)
		}
	}
	if !strings.Contains(streamed.String(), "ninety days") {
		t.Fatalf("streamed text %q lacks the answer", streamed.String())
	}
	r := last.Run
	if !strings.Contains(r.Answer, "ninety days") || len(r.Citations) != 1 || !strings.HasSuffix(r.Citations[0].Path, "lease.md") || r.Citations[0].ChunkID == 0 {
		t.Fatalf("run = %+v, want the answer citing lease.md", r)
	}
	if len(srv.ChatCalls()) != 1 {
		t.Fatalf("provider got %d chat calls", len(srv.ChatCalls()))
	}

	msgs, err := chat.Messages(id)
	if err != nil || len(msgs) != 2 || msgs[0].Role != "user" || msgs[1].RunID != r.ID {
		t.Fatalf("messages = %+v, %v", msgs, err)
	}
	threads, _ := chat.Threads()
	if len(threads) != 1 || !strings.Contains(threads[0].Title, "notice period") {
		t.Fatalf("threads = %+v, want one named after the question", threads)
	}
	md, err := chat.ExportMarkdown(r.ID)
	if err != nil || !strings.Contains(md, "ninety days") {
		t.Fatalf("markdown export = %q, %v", md, err)
	}
	out, err := chat.Outbound(r.ID)
	if err != nil || len(out) == 0 || !strings.Contains(out[0].Body, "What is the notice period?") {
		t.Fatalf("outbound = %+v, %v; want the exact prompt sent", out, err)
	}
	if again, err := chat.Run(r.ID); err != nil || again.Answer != r.Answer {
		t.Fatalf("Run(%s) = %+v, %v", r.ID, again, err)
	}
	if err := chat.DeleteThread(id); err != nil {
		t.Fatal(err)
	}
}

func TestChatStopCancelsARun(t *testing.T) {
	c, _ := chatCore(t, llmtest.Script{Default: &llmtest.Reply{
		Chunks: []string{"one ", "two ", "three ", "four ", "five "}, ChunkDelay: llmtest.Duration{Duration: 400 * time.Millisecond}}})
	host := &recorder{}
	chat := NewChatService(c, host)
	id, _ := chat.NewThread()
	var once sync.Once
	var ticket int64
	var mu sync.Mutex
	host.onEvent = func(name string, data any) {
		if ev, ok := data.(ChatEvent); ok && ev.Kind == "delta" {
			once.Do(func() {
				mu.Lock()
				tk := ticket
				mu.Unlock()
				go chat.Stop(tk)
			})
		}
	}
	mu.Lock()
	tk, err := chat.Send(id, core.ChatRequest{Mode: "ask", Text: "Count slowly", Provider: "fake"})
	ticket = tk
	mu.Unlock()
	if err != nil {
		t.Fatal(err)
	}
	evs := chatEvents(t, host, tk)
	last := evs[len(evs)-1]
	cancelled := last.Kind == "error" || (last.Run != nil && last.Run.Status == "cancelled")
	if !cancelled {
		t.Fatalf("last event = %+v, want a cancelled run", last)
	}
	if chat.Stop(tk) {
		t.Fatal("Stop of a finished ticket reported true")
	}
}

func TestChatModesAndProtocols(t *testing.T) {
	c := openCore(t)
	host := &recorder{}
	modes := NewChatService(c, host).Modes()
	if len(modes) < 3 || modes[0].ID != "ask" {
		t.Fatalf("modes = %+v", modes)
	}
	var sawProtocol, sawProfile bool
	for _, m := range modes {
		sawProtocol = sawProtocol || strings.HasPrefix(m.ID, "protocol:")
		sawProfile = sawProfile || strings.HasPrefix(m.ID, "profile:")
	}
	if !sawProtocol || !sawProfile {
		t.Fatalf("modes lack protocols or profiles: %+v", modes)
	}

	ps := NewProtocolService(c, host)
	list := ps.List()
	if len(list.Protocols) == 0 || len(list.Problems) != 0 {
		t.Fatalf("List = %d protocols, problems %+v", len(list.Protocols), list.Problems)
	}
	for _, p := range list.Protocols {
		if p.Builtin && (p.Source == "" || len(p.Steps) == 0) {
			t.Fatalf("built-in %s has no source or steps: %+v", p.ID, p)
		}
	}

	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.toml")
	writeFile(t, bad, "id = \"mine\"\nname = \"Mine\"\n\n[[steps]]\nid = \"s1\"\nprompt_template = \"x\"\n[steps.action]\ntype = \"teleport\"\n")
	res, err := ps.Import(bad)
	if err != nil || len(res.Errors) == 0 || res.Errors[0].Line == 0 {
		t.Fatalf("Import(bad) = %+v, %v; want errors with lines", res, err)
	}
	host.files = []string{bad}
	if f, _ := ps.ChooseFile(); f != bad {
		t.Fatalf("ChooseFile = %q", f)
	}
	if res, _ := ps.Import(filepath.Join(dir, "notes.txt")); len(res.Errors) != 1 {
		t.Fatalf("non-TOML import = %+v", res)
	}
}

func TestChatRenameThread(t *testing.T) {
	c := openCore(t)
	chat := NewChatService(c, &recorder{})
	id, err := chat.NewThread()
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct{ name, title, want string }{
		{"plain", "Lease questions", "Lease questions"},
		{"spaces collapse", "  Lease:\tnotice   and rent ", "Lease: notice and rent"},
	}
	for _, tc := range cases {
		if err := chat.RenameThread(id, tc.title); err != nil {
			t.Fatalf("%s: RenameThread: %v", tc.name, err)
		}
		threads, err := chat.Threads()
		if err != nil || len(threads) != 1 || threads[0].Title != tc.want {
			t.Fatalf("%s: Threads = %+v, %v; want title %q", tc.name, threads, err, tc.want)
		}
	}
	if err := chat.RenameThread(id+99, "nobody"); err == nil {
		t.Fatal("renaming a missing thread: want an error")
	}
}
