package secrets

// These tests talk to the REAL OS keychain and fail without one. On Linux run
// them inside a private session bus with an unlocked gnome-keyring:
//
//	XDG_DATA_HOME=$(mktemp -d) dbus-run-session -- sh -c \
//	  'echo -n pass | gnome-keyring-daemon --unlock --components=secrets >/dev/null; go test -tags sqlite_fts5 ./internal/secrets/...'

import (
	"encoding/json"
	"errors"
	"fmt"
	"github.com/zalando/go-keyring"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// account returns a provider name unique to this test run, so runs never see
// each other's entries, and removes the entry afterwards.
func account(t *testing.T, name string) string {
	t.Helper()
	a := fmt.Sprintf("rktest-%s-%d", name, os.Getpid())
	t.Cleanup(func() { _ = New(nil).Delete(a) })
	return a
}

// secretTool reads the entry with libsecret's own CLI, proving the key went
// to the Secret Service and not somewhere else.
func secretTool(t *testing.T, acct string) (string, bool) {
	t.Helper()
	out, err := exec.Command("secret-tool", "lookup", "service", Service, "username", acct).Output()
	if err != nil {
		return "", false
	}
	return string(out), true
}

func noEnv(string) string { return "" }

func TestSetGetOverwriteDelete(t *testing.T) {
	kc := New(noEnv)
	acct := account(t, "crud")
	const first, second = "sk-first-0123456789abcd", "sk-second-9876543210wxyz"

	if _, err := kc.Get(acct, ""); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Get before Set: err = %v, want ErrNotFound", err)
	}
	if err := kc.Set(acct, first); err != nil {
		t.Fatalf("Set: %v", err)
	}
	if got, ok := secretTool(t, acct); !ok || got != first {
		t.Fatalf("secret-tool sees %q (found %v), want the stored key", got, ok)
	}
	c, err := kc.Get(acct, "")
	if err != nil || c.ForAuthHeader() != first || c.Source() != SourceKeychain {
		t.Fatalf("Get = (%v from %s, %v), want first key from keychain", c, c.Source(), err)
	}
	if err := kc.Set(acct, second); err != nil {
		t.Fatalf("overwrite: %v", err)
	}
	if c, _ := kc.Get(acct, ""); c.ForAuthHeader() != second {
		t.Fatalf("after overwrite Get = %v, want the second key", c)
	}
	st := kc.Status(acct, "")
	want := Status{Provider: acct, Set: true, Source: SourceKeychain, Masked: "…wxyz"}
	if st != want {
		t.Fatalf("Status = %+v, want %+v", st, want)
	}
	if err := kc.Delete(acct); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	if _, ok := secretTool(t, acct); ok {
		t.Fatalf("secret-tool still finds the entry after Delete")
	}
	if _, err := kc.Get(acct, ""); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Get after Delete: err = %v, want ErrNotFound", err)
	}
	if err := kc.Delete(acct); !errors.Is(err, ErrNotFound) {
		t.Fatalf("second Delete: err = %v, want ErrNotFound", err)
	}
	if st := kc.Status(acct, ""); st.Set || st.Source != SourceNone || st.Error != "" {
		t.Fatalf("Status after Delete = %+v", st)
	}
}

func TestEnvironmentOverridesKeychain(t *testing.T) {
	acct := account(t, "env")
	const stored, fromEnv = "sk-stored-aaaaaaaaaaaa1111", "sk-env-bbbbbbbbbbbbbbb2222"
	if err := New(noEnv).Set(acct, stored); err != nil {
		t.Fatalf("Set: %v", err)
	}
	env := map[string]string{"MY_KEY": fromEnv}
	kc := New(func(k string) string { return env[k] })

	c, err := kc.Get(acct, "MY_KEY")
	if err != nil || c.ForAuthHeader() != fromEnv || c.Source() != SourceEnvironment || c.EnvVar() != "MY_KEY" {
		t.Fatalf("Get with key_env set = (%v, %s, %v), want the environment key", c, c.Source(), err)
	}
	if st := kc.Status(acct, "MY_KEY"); st.Source != SourceEnvironment || st.Masked != "…2222" || st.EnvVar != "MY_KEY" {
		t.Fatalf("Status = %+v", st)
	}
	// An empty variable does not count: the keychain entry is used.
	env["MY_KEY"] = "  "
	if c, _ := kc.Get(acct, "MY_KEY"); c.ForAuthHeader() != stored || c.Source() != SourceKeychain {
		t.Fatalf("with an empty variable Get = %v from %s, want the keychain key", c, c.Source())
	}
	// Without key_env the variable is ignored.
	env["MY_KEY"] = fromEnv
	if c, _ := kc.Get(acct, ""); c.ForAuthHeader() != stored {
		t.Fatalf("without key_env Get = %v, want the keychain key", c)
	}
}

func TestWellKnownVariables(t *testing.T) {
	cases := []struct{ provider, keyEnv, want string }{
		{"openai", "", "OPENAI_API_KEY"},
		{"anthropic", "", "ANTHROPIC_API_KEY"},
		{"gemini", "", "GEMINI_API_KEY"},
		{"groq", "", "GROQ_API_KEY"},
		{"mistral", "", "MISTRAL_API_KEY"},
		{"openrouter", "", "OPENROUTER_API_KEY"},
		{"deepseek", "", "DEEPSEEK_API_KEY"},
		{"xai", "", "XAI_API_KEY"},
		{"together", "", "TOGETHER_API_KEY"},
		{"openai", "WORK_OPENAI_KEY", "WORK_OPENAI_KEY"},
		{"local-llama", "", ""},
	}
	for _, c := range cases {
		if got := EnvVar(c.provider, c.keyEnv); got != c.want {
			t.Errorf("EnvVar(%q, %q) = %q, want %q", c.provider, c.keyEnv, got, c.want)
		}
	}
	// The well-known variable wins over a stored key for real, too.
	kc := New(func(k string) string {
		if k == "GROQ_API_KEY" {
			return "gsk-from-environment-77"
		}
		return ""
	})
	c, err := kc.Get("groq", "")
	if err != nil || c.Source() != SourceEnvironment || c.ForAuthHeader() != "gsk-from-environment-77" {
		t.Fatalf("Get(groq) = (%v, %s, %v)", c, c.Source(), err)
	}
}

func TestSetRejectsBadKeys(t *testing.T) {
	kc := New(noEnv)
	acct := account(t, "bad")
	cases := []struct{ name, key string }{
		{"empty", ""},
		{"blank", "   "},
		{"newline", "sk-abc\nsk-def"},
		{"carriage return", "sk-abc\r"},
		{"too long", strings.Repeat("k", MaxKeyBytes+1)},
		{"padded", " sk-abcdef123456"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := kc.Set(acct, c.key)
			if !errors.Is(err, ErrInvalidKey) {
				t.Fatalf("Set(%q) err = %v, want ErrInvalidKey", c.name, err)
			}
			if strings.TrimSpace(c.key) != "" && strings.Contains(err.Error(), strings.TrimSpace(c.key)) {
				t.Fatalf("error repeats the key: %v", err)
			}
		})
	}
	if _, ok := secretTool(t, acct); ok {
		t.Fatalf("a rejected key reached the keychain")
	}
	if err := kc.Set(acct, strings.Repeat("k", MaxKeyBytes)); err != nil {
		t.Fatalf("a key of exactly %d bytes: %v", MaxKeyBytes, err)
	}
}

func TestCredentialNeverPrintsTheKey(t *testing.T) {
	const raw = "sk-proj-PLANTED-secret-a1b2"
	c := Credential{provider: "openai", value: raw, source: SourceKeychain}
	type wrapper struct {
		Cred Credential
		Ptr  *Credential
	}
	js, err := json.Marshal(wrapper{c, &c})
	if err != nil {
		t.Fatal(err)
	}
	outputs := map[string]string{
		"%v":   fmt.Sprintf("%v", c),
		"%+v":  fmt.Sprintf("%+v", wrapper{c, &c}),
		"%#v":  fmt.Sprintf("%#v", wrapper{c, &c}),
		"%s":   fmt.Sprintf("%s", c),
		"%q":   fmt.Sprintf("%q", c),
		"%x":   fmt.Sprintf("%x", c),
		"json": string(js),
		"err":  fmt.Errorf("calling with %v", c).Error(),
	}
	for verb, out := range outputs {
		if strings.Contains(out, raw) || strings.Contains(out, "PLANTED") {
			t.Errorf("%s prints the key: %s", verb, out)
		}
		if !strings.Contains(out, "…a1b2") {
			t.Errorf("%s does not show the masked tail: %s", verb, out)
		}
	}
	if Mask("short") != "…" || Mask("") != "" {
		t.Errorf("Mask of short/empty keys = %q/%q", Mask("short"), Mask(""))
	}
}

// The helper below runs in a child process (the Secret Service connection is
// cached per process, so an unreachable bus must be a fresh process).
func TestHelperKeychainProcess(t *testing.T) {
	if os.Getenv("RK_SECRETS_HELPER") != "1" {
		return // only meaningful as the child of TestKeychainUnavailable
	}
	kc := NewWithBackend(osBackend{}, noEnv, 700*time.Millisecond)
	start := time.Now()
	_, err := kc.Get("openai", "OPENAI_API_KEY")
	fmt.Printf("ELAPSED %d\nNOKEYCHAIN %v\nERR %v\n", time.Since(start).Milliseconds(), errors.Is(err, ErrNoKeychain), err)
	err = kc.Set("openai", "sk-never-stored-anywhere-1234")
	fmt.Printf("SETNOKEYCHAIN %v\n", errors.Is(err, ErrNoKeychain))
}

func TestKeychainUnavailable(t *testing.T) {
	dir := t.TempDir()
	// A bus that accepts connections and never answers: the timeout must fire.
	sock := filepath.Join(dir, "bus")
	ln, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			defer c.Close()
		}
	}()
	cases := []struct {
		name, bus  string
		wantCause  string
		minElapsed time.Duration
	}{
		{"no bus", "unix:path=" + filepath.Join(dir, "nothing-here"), "", 0},
		{"silent bus", "unix:path=" + sock, "no answer within 700ms", 600 * time.Millisecond},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cmd := exec.Command(os.Args[0], "-test.run=^TestHelperKeychainProcess$", "-test.v")
			cmd.Env = append(os.Environ(), "RK_SECRETS_HELPER=1", "DBUS_SESSION_BUS_ADDRESS="+c.bus)
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("helper: %v\n%s", err, out)
			}
			s := string(out)
			for _, want := range []string{
				"NOKEYCHAIN true", "SETNOKEYCHAIN true",
				"no OS keychain reachable (Secret Service)", "start gnome-keyring", "set OPENAI_API_KEY",
				c.wantCause,
			} {
				if !strings.Contains(s, want) {
					t.Errorf("helper output lacks %q:\n%s", want, s)
				}
			}
			var ms int
			for _, line := range strings.Split(s, "\n") {
				if strings.HasPrefix(line, "ELAPSED ") {
					fmt.Sscan(strings.TrimPrefix(line, "ELAPSED "), &ms)
				}
			}
			elapsed := time.Duration(ms) * time.Millisecond
			if elapsed < c.minElapsed || elapsed > 5*time.Second {
				t.Errorf("Get took %v; want between %v and the 5s ceiling", elapsed, c.minElapsed)
			}
		})
	}
}

// memBackend is a keychain in memory that can be made unreachable.
type memBackend struct {
	m     map[string]string
	calls int
	down  error
}

func (b *memBackend) Set(s, a, v string) error { b.calls++; b.m[s+"/"+a] = v; return b.down }
func (b *memBackend) Get(s, a string) (string, error) {
	b.calls++
	if b.down != nil {
		return "", b.down
	}
	v, ok := b.m[s+"/"+a]
	if !ok {
		return "", keyringNotFound
	}
	return v, nil
}
func (b *memBackend) Delete(s, a string) error { b.calls++; delete(b.m, s+"/"+a); return b.down }

func TestStatusesAskAnUnreachableKeychainOnce(t *testing.T) {
	b := &memBackend{m: map[string]string{}, down: errors.New("dbus: connection refused")}
	kc := NewWithBackend(b, func(k string) string {
		if k == "ANTHROPIC_API_KEY" {
			return "sk-ant-from-env-123456"
		}
		return ""
	}, time.Second)
	sts := kc.Statuses([]Ref{{"openai", "OPENAI_API_KEY"}, {"anthropic", ""}, {"ollama", ""}})
	if b.calls != 1 {
		t.Fatalf("keychain asked %d times, want once", b.calls)
	}
	if sts[0].Set || !strings.Contains(sts[0].Error, "no OS keychain reachable") {
		t.Fatalf("openai status %+v", sts[0])
	}
	if !sts[1].Set || sts[1].Source != SourceEnvironment || sts[1].Masked != "…3456" || sts[1].Error == "" {
		t.Fatalf("anthropic status %+v", sts[1])
	}
	if sts[2].Set || sts[2].Source != SourceNone || sts[2].EnvVar != "" {
		t.Fatalf("ollama status %+v", sts[2])
	}
}

var keyringNotFound = keyring.ErrNotFound
