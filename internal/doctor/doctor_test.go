package doctor

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/reasonkit/desktop/internal/config"
	"github.com/reasonkit/desktop/internal/secrets"
)

func checks(fs []Finding) map[string]Finding {
	out := map[string]Finding{}
	for _, f := range fs {
		out[f.Check] = f
	}
	return out
}

// cleanConfig returns a default config with private dirs in a temp dir.
func cleanConfig(t *testing.T) *config.Config {
	t.Helper()
	cfg := config.Default()
	cfg.DataDir = filepath.Join(t.TempDir(), "data")
	cfg.ConfigDir = filepath.Join(t.TempDir(), "conf")
	for _, d := range []string{cfg.DataDir, cfg.ConfigDir} {
		if err := config.EnsurePrivateDir(d); err != nil {
			t.Fatal(err)
		}
	}
	return cfg
}

type deadKeychain struct{}

func (deadKeychain) Set(_, _, _ string) error { return errors.New("dbus: connection refused") }
func (deadKeychain) Get(_, _ string) (string, error) {
	return "", errors.New("dbus: connection refused")
}
func (deadKeychain) Delete(_, _ string) error { return errors.New("dbus: connection refused") }

func TestCleanMachineHasNoFindings(t *testing.T) {
	cfg := cleanConfig(t)
	// The real OS keychain (CI runs the tests inside a gnome-keyring session).
	got := Run(Options{Config: cfg, Keychain: secrets.New(func(string) string { return "" }), WorkDir: t.TempDir()})
	if len(got) != 0 {
		t.Fatalf("findings on a clean setup: %+v", got)
	}
}

func TestEachPracticeIsChecked(t *testing.T) {
	cfg := cleanConfig(t)
	os.Chmod(cfg.DataDir, 0o755)
	cfg.Embedding.Backend, cfg.Embedding.Model, cfg.Embedding.BaseURL = "openai", "text-embedding-3-small", "https://api.openai.com/v1"
	cfg.Providers["lan"] = &config.Provider{Kind: config.KindOpenAICompatible, BaseURL: "http://10.0.0.5:8080/v1"}

	file := filepath.Join(t.TempDir(), "config.toml")
	src := "[providers.openai]\nkind = \"openai\"\nbase_url = \"https://api.openai.com/v1\"\napi_key = \"sk-abcdefghijklmnopqrstuvwxyz012345\"\n"
	os.WriteFile(file, []byte(src), 0o600)
	_, cfgErr := config.Parse(file, []byte(src))

	repo := t.TempDir()
	if out, err := exec.Command("git", "init", "-q", repo).CombinedOutput(); err != nil {
		t.Fatalf("git init: %v %s", err, out)
	}
	os.WriteFile(filepath.Join(repo, ".env"), []byte("OPENAI_API_KEY=sk-x\n"), 0o600)

	kc := secrets.NewWithBackend(deadKeychain{}, func(string) string { return "" }, time.Second)
	got := checks(Run(Options{Config: cfg, ConfigErr: cfgErr, ConfigFile: file, Keychain: kc, WorkDir: repo}))
	want := map[string]string{
		"key-in-config":    "config.toml:4",
		"env-file":         ".env",
		"keychain":         "no OS keychain",
		"permissions":      "data",
		"remote-embedding": "",
		"plain-http":       "",
	}
	for check, frag := range want {
		f, ok := got[check]
		if !ok {
			t.Errorf("no %s finding (got %+v)", check, got)
			continue
		}
		if !strings.Contains(f.Path+" "+f.Issue, frag) || f.Fix == "" {
			t.Errorf("%s finding %+v should mention %q and say how to fix it", check, f, frag)
		}
		if strings.Contains(f.Issue+f.Fix+f.Path, "sk-abcdefghij") {
			t.Errorf("%s finding repeats the key", check)
		}
	}
	if !strings.Contains(got["plain-http"].Issue, "10.0.0.5") {
		t.Errorf("plain-http finding: %+v", got["plain-http"])
	}

	// Once .env is ignored, that finding goes away.
	os.WriteFile(filepath.Join(repo, ".gitignore"), []byte(".env\n"), 0o644)
	if _, still := checks(Run(Options{WorkDir: repo}))["env-file"]; still {
		t.Error(".env still reported after adding it to .gitignore")
	}
}
