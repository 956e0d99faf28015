package cli

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestMain lets the test binary run as the reasonkit command line, so tests
// can drive the real CLI in a separate process (and look at its arguments).
func TestMain(m *testing.M) {
	if os.Getenv("REASONKIT_TEST_AS_CLI") == "1" {
		os.Exit(Main(os.Args[1:], &IO{In: os.Stdin, Out: os.Stdout, Err: os.Stderr, Getenv: os.Getenv}, nil))
	}
	os.Exit(m.Run())
}

// sandbox is a private config dir, data dir and environment for CLI runs.
type sandbox struct {
	t       *testing.T
	dir     string
	env     []string
	outputs []string // every stdout and stderr seen, for leak checks
}

func newSandbox(t *testing.T, configTOML string) *sandbox {
	t.Helper()
	dir := t.TempDir()
	s := &sandbox{t: t, dir: dir}
	conf := filepath.Join(dir, "config", "reasonkit")
	os.MkdirAll(conf, 0o700)
	if err := os.WriteFile(filepath.Join(conf, "config.toml"), []byte(configTOML), 0o600); err != nil {
		t.Fatal(err)
	}
	s.env = append(os.Environ(),
		"REASONKIT_TEST_AS_CLI=1",
		"XDG_CONFIG_HOME="+filepath.Join(dir, "config"),
		"REASONKIT_DATA_DIR="+filepath.Join(dir, "data"),
	)
	return s
}

// command prepares `reasonkit args...` in the sandbox.
func (s *sandbox) command(stdin string, args ...string) *exec.Cmd {
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = s.env
	cmd.Stdin = strings.NewReader(stdin)
	return cmd
}

// run runs the CLI and returns stdout, stderr and the exit code.
func (s *sandbox) run(stdin string, args ...string) (string, string, int) {
	s.t.Helper()
	cmd := s.command(stdin, args...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		s.t.Fatalf("run %v: %v", args, err)
	}
	s.outputs = append(s.outputs, out.String(), errb.String())
	return out.String(), errb.String(), code
}

// mustRun runs the CLI and fails the test unless it exits with want.
func (s *sandbox) mustRun(want int, stdin string, args ...string) string {
	s.t.Helper()
	out, errOut, code := s.run(stdin, args...)
	if code != want {
		s.t.Fatalf("reasonkit %v: exit %d, want %d\nstdout: %s\nstderr: %s", args, code, want, out, errOut)
	}
	return out
}
