package ingest

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/reasonkit/desktop/internal/ingest/chunk"
	"github.com/reasonkit/desktop/internal/ingest/extract"
	"github.com/reasonkit/desktop/internal/store"
)

// TestMain lets the test binary act as a standalone indexer process, so tests
// can kill it mid-run or run it as another user.
func TestMain(m *testing.M) {
	if db := os.Getenv("REASONKIT_TEST_INDEXER_DB"); db != "" {
		os.Exit(helperIndexer(db, os.Getenv("REASONKIT_TEST_INDEXER_DIR")))
	}
	os.Exit(m.Run())
}

func helperIndexer(db, dir string) int {
	st, err := store.Open(db)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer st.Close()
	p := &Pipeline{Store: st, Chunking: chunk.Options{Size: 300, Overlap: 30}, Limits: extract.Limits{MaxBytes: 1 << 30}, Workers: 2}
	sum, err := p.Run(context.Background(), Request{Paths: []string{dir}}, nil)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	json.NewEncoder(os.Stdout).Encode(sum)
	return 0
}

func indexerCmd(db, dir string) *exec.Cmd {
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "REASONKIT_TEST_INDEXER_DB="+db, "REASONKIT_TEST_INDEXER_DIR="+dir)
	return cmd
}

func TestKilledIndexerResumesConsistently(t *testing.T) {
	dir := t.TempDir()
	for i := 0; i < 300; i++ {
		var b strings.Builder
		for j := 0; j < 60; j++ {
			fmt.Fprintf(&b, "File %d paragraph %d talks about rivers, bridges and the weather in spring.\n\n", i, j)
		}
		write(t, filepath.Join(dir, fmt.Sprintf("doc%03d.txt", i)), b.String())
	}
	db := filepath.Join(t.TempDir(), "r.db")
	st, err := store.Open(db) // create the schema first so the poller can read it
	if err != nil {
		t.Fatal(err)
	}
	cmd := indexerCmd(db, dir)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// Kill it with SIGKILL once some, but not all, documents are stored.
	deadline := time.Now().Add(60 * time.Second)
	stored := 0
	for time.Now().Before(deadline) {
		st.DB().QueryRow(`SELECT count(*) FROM documents`).Scan(&stored)
		if stored >= 20 {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()
	st.Close()
	if stored < 20 || stored >= 300 {
		t.Fatalf("could not catch the indexer mid-run (stored %d of 300)", stored)
	}

	p := newPipeline(t, db)
	ctx := context.Background()
	if err := p.Store.IntegrityCheck(ctx); err != nil {
		t.Fatalf("after kill: %v", err)
	}
	docs, _ := p.Store.Documents(ctx, "default")
	for _, d := range docs {
		var n int
		p.Store.DB().QueryRow(`SELECT count(*) FROM chunks WHERE document_id = ?`, d.ID).Scan(&n)
		if d.Status != store.StatusIndexed || n != d.Chunks || n == 0 {
			t.Fatalf("half-indexed document after kill: %+v with %d chunk rows", d, n)
		}
	}
	sum, err := p.Run(ctx, Request{Paths: []string{dir}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Unchanged != len(docs) || sum.Indexed != 300-len(docs) || len(sum.Failed) != 0 {
		t.Fatalf("resume: %d stored before, summary %+v", len(docs), sum)
	}
	if err := p.Store.IntegrityCheck(ctx); err != nil {
		t.Fatal(err)
	}
}

func TestUnreadableFileIsNamed(t *testing.T) {
	// Root reads everything, so when the tests run as root the indexer runs
	// as the unprivileged "nobody" user (uid 65534) in a subprocess.
	base, err := os.MkdirTemp("", "reasonkit-perm-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(base) })
	os.Chmod(base, 0o777)
	dir := filepath.Join(base, "docs")
	write(t, filepath.Join(dir, "readable.txt"), "anyone can read this about owls\n")
	write(t, filepath.Join(dir, "private.txt"), "nobody else can read this\n")
	os.Chmod(dir, 0o755)
	os.Chmod(filepath.Join(dir, "private.txt"), 0o000)
	db := filepath.Join(base, "r.db")
	cmd := indexerCmd(db, dir)
	if os.Getuid() == 0 {
		// The test binary lives in a root-only build dir; give nobody a copy.
		self, err := os.ReadFile(os.Args[0])
		if err != nil {
			t.Fatal(err)
		}
		exe := filepath.Join(base, "indexer.test")
		if err := os.WriteFile(exe, self, 0o755); err != nil {
			t.Fatal(err)
		}
		cmd.Path, cmd.Args[0] = exe, exe
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	}
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("indexer: %v", err)
	}
	var sum Summary
	if err := json.Unmarshal(out, &sum); err != nil {
		t.Fatalf("summary %q: %v", out, err)
	}
	if sum.Indexed != 1 || len(sum.Failed) != 1 || filepath.Base(sum.Failed[0].Path) != "private.txt" ||
		!strings.Contains(sum.Failed[0].Reason, "permission denied") {
		t.Fatalf("summary = %+v", sum)
	}
}
