package cli

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/reasonkit/desktop/internal/llm/llmtest"
)

// TestKeyNeverLeaks plants a recognisable key in the real OS keychain, then
// indexes, thinks, asks, exports and runs doctor through the real CLI, and
// searches everything the app wrote or printed for the key. It must appear
// only in the Authorization header the loopback provider received.
func TestKeyNeverLeaks(t *testing.T) {
	rnd := make([]byte, 12)
	rand.Read(rnd)
	key := "sk-leakcanary-" + hex.EncodeToString(rnd)
	provider := "leaktest-" + hex.EncodeToString(rnd[:4])

	answer := "The notice period is ninety days [S1].\nCONFIDENCE: 0.9"
	srv := llmtest.New(t, llmtest.KindOpenAICompatible, llmtest.Script{
		Key:     key,
		Default: &llmtest.Reply{Text: answer, ChunkDelay: llmtest.Duration{Duration: 2 * time.Millisecond}},
	})
	s := newSandbox(t, fmt.Sprintf(`[general]
default_provider = %q

[providers.%s]
kind = "openai-compatible"
base_url = %q
model = "fake-model"
`, provider, provider, srv.BaseURL))
	docs := filepath.Join(s.dir, "docs")
	os.MkdirAll(docs, 0o755)
	os.WriteFile(filepath.Join(docs, "contract.md"), []byte("# Contract\n\nThe notice period is ninety days.\n"), 0o644)

	s.mustRun(0, key+"\n", "keys", "set", provider)
	t.Cleanup(func() { s.run("", "keys", "rm", provider) })
	s.mustRun(0, "", "index", docs)

	// Watch the think process's arguments and environment while it runs.
	cmd := s.command("", "think", "--protocol", "gt", "--collection", "default", "Should we renew?")
	var out, errOut strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var procSeen []string
	for i := 0; i < 20; i++ {
		for _, f := range []string{"cmdline", "environ"} {
			if b, err := os.ReadFile(fmt.Sprintf("/proc/%d/%s", cmd.Process.Pid, f)); err == nil {
				procSeen = append(procSeen, string(b))
			}
		}
		time.Sleep(5 * time.Millisecond)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("think: %v\n%s\n%s", err, out.String(), errOut.String())
	}
	s.outputs = append(s.outputs, out.String(), errOut.String())
	if len(procSeen) == 0 {
		t.Fatal("could not read the think process's arguments")
	}
	runID := ""
	for _, line := range strings.Split(out.String(), "\n") {
		if strings.HasPrefix(line, "Run ") {
			runID = strings.Fields(line)[1]
		}
	}
	if runID == "" {
		t.Fatalf("no run id in think output:\n%s", out.String())
	}
	s.mustRun(0, "", "ask", "--collection", "default", "--json", "What is the notice period?")
	md := s.mustRun(0, "", "runs", "show", runID, "--format", "md")
	if !strings.Contains(md, "Should we renew?") {
		t.Fatalf("exported run lacks the query:\n%s", md)
	}
	s.mustRun(0, "", "runs", "list", "--json")
	s.run("", "doctor")
	s.mustRun(0, "", "keys", "list")
	s.mustRun(0, "", "keys", "test", provider)

	// The key reached the provider, in the auth header only.
	sawHeader := false
	for _, c := range srv.Calls() {
		if c.Header.Get("Authorization") == "Bearer "+key {
			sawHeader = true
		}
		if strings.Contains(string(c.Body), key) {
			t.Fatalf("key sent in a request body to %s", c.Path)
		}
	}
	if !sawHeader {
		t.Fatal("the provider never received the key: the test proves nothing")
	}

	// Nowhere else.
	for i, o := range s.outputs {
		if strings.Contains(o, key) {
			t.Fatalf("key printed by a command (output %d): %q", i, o)
		}
	}
	for _, p := range procSeen {
		if strings.Contains(p, key) {
			t.Fatal("key visible in the process's arguments or environment")
		}
	}
	files := 0
	filepath.WalkDir(s.dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			t.Errorf("read %s: %v", path, err)
			return nil
		}
		files++
		if strings.Contains(string(b), key) {
			t.Errorf("key found in %s", path)
		}
		return nil
	})
	if files < 2 { // config.toml and reasonkit.db at least
		t.Fatalf("only %d files written: the scan proves nothing", files)
	}
}
