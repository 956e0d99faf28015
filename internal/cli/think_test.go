package cli

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/reasonkit/desktop/internal/llm/llmtest"
)

func reasoningSandbox(t *testing.T, script llmtest.Script) (*sandbox, *llmtest.Server) {
	srv := llmtest.New(t, llmtest.KindOllama, script)
	s := newSandbox(t, fmt.Sprintf("[general]\ndefault_provider = \"local\"\n\n[providers.local]\nkind = \"ollama\"\nbase_url = %q\nmodel = \"fake-model\"\n", srv.BaseURL))
	docs := filepath.Join(s.dir, "docs")
	os.MkdirAll(docs, 0o755)
	os.WriteFile(filepath.Join(docs, "plan.md"), []byte("# Plan\n\nWe launch in March with two engineers.\n"), 0o644)
	s.mustRun(0, "", "index", "--no-embed", docs)
	return s, srv
}

func TestThinkStreamsStepsAndPrintsCitations(t *testing.T) {
	s, _ := reasoningSandbox(t, llmtest.Script{Default: &llmtest.Reply{Text: "1. The launch date is tight [S1].\n2. Staffing is thin [S1].\nCONFIDENCE: 85%"}})
	out, errOut, code := s.run("", "think", "--protocol", "gt", "--collection", "default", "Is the plan realistic?")
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
	for _, want := range []string{"== gigathink › identify_dimensions", "The launch date is tight", "confidence 0.85 (high)"} {
		if !strings.Contains(errOut, want) {
			t.Errorf("streamed output lacks %q:\n%s", want, errOut)
		}
	}
	if !strings.Contains(out, "[S1] plan.md") || !strings.Contains(out, "Confidence: 0.85 (high)") {
		t.Errorf("result lacks citation or confidence:\n%s", out)
	}
	var run struct {
		RunID      string   `json:"run_id"`
		Answer     string   `json:"answer"`
		Confidence *float64 `json:"confidence"`
		Steps      []struct {
			ID, Protocol, Status string
			Confidence           *float64
			Output               string
		} `json:"steps"`
		Citations []struct {
			Source  string `json:"source"`
			Path    string `json:"path"`
			Page    *int   `json:"page"`
			ChunkID int64  `json:"chunk_id"`
		} `json:"citations"`
	}
	js := s.mustRun(0, "", "think", "--profile", "quick", "--collection", "default", "--json", "Is the plan realistic?")
	if err := json.Unmarshal([]byte(js), &run); err != nil {
		t.Fatalf("think --json: %v\n%s", err, js)
	}
	if run.RunID == "" || run.Answer == "" || run.Confidence == nil || len(run.Steps) < 6 || len(run.Citations) == 0 || run.Citations[0].ChunkID == 0 {
		t.Fatalf("think --json = %+v", run)
	}
	if _, errOut, code := s.run("", "think", "--protocol", "gt", "--api-key", "sk-should-not-echo", "q"); code != ExitUsage || strings.Contains(errOut, "sk-should-not-echo") || !strings.Contains(errOut, "keys set") {
		t.Fatalf("--api-key: exit %d, %q", code, errOut)
	}
}

func TestInterruptCancelsAndRecordsTheRun(t *testing.T) {
	slow := llmtest.Reply{Text: strings.Repeat("word ", 400) + "\nCONFIDENCE: 0.9", ChunkDelay: llmtest.Duration{Duration: 20 * time.Millisecond}}
	s, srv := reasoningSandbox(t, llmtest.Script{Default: &slow})
	cmd := s.command("", "think", "--protocol", "gt", "Will it work?")
	var out, errOut strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for len(srv.ChatCalls()) == 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	time.Sleep(100 * time.Millisecond) // let some text stream
	cmd.Process.Signal(syscall.SIGINT)
	err := cmd.Wait()
	if err == nil || !strings.Contains(errOut.String(), "cancelled") {
		t.Fatalf("interrupt: %v\n%s", err, errOut.String())
	}
	list := s.mustRun(0, "", "runs", "list", "--json")
	var runs struct {
		Runs []struct {
			ID     string `json:"run_id"`
			Status string `json:"status"`
		} `json:"runs"`
	}
	json.Unmarshal([]byte(list), &runs)
	if len(runs.Runs) != 1 || runs.Runs[0].Status != "cancelled" {
		t.Fatalf("runs after interrupt: %s", list)
	}
	md := s.mustRun(0, "", "runs", "show", runs.Runs[0].ID, "--format", "md")
	if !strings.Contains(md, "Will it work?") || !strings.Contains(md, "cancelled") {
		t.Fatalf("cancelled run export:\n%s", md)
	}
}
