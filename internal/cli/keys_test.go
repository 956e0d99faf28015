package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/zalando/go-keyring"

	"github.com/reasonkit/desktop/internal/egress"
	"github.com/reasonkit/desktop/internal/llm/llmtest"
	"github.com/reasonkit/desktop/internal/secrets"
)

// memKeychain is an in-memory secrets.Backend for CLI tests; the real OS
// keychain is exercised by internal/secrets' own tests.
type memKeychain struct {
	mu sync.Mutex
	m  map[string]string
}

func (k *memKeychain) Set(s, a, v string) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.m[s+"/"+a] = v
	return nil
}

func (k *memKeychain) Get(s, a string) (string, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	v, ok := k.m[s+"/"+a]
	if !ok {
		return "", keyring.ErrNotFound
	}
	return v, nil
}

func (k *memKeychain) Delete(s, a string) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	if _, ok := k.m[s+"/"+a]; !ok {
		return keyring.ErrNotFound
	}
	delete(k.m, s+"/"+a)
	return nil
}

type keysEnv struct {
	t       *testing.T
	kc      *memKeychain
	env     map[string]string
	cfgPath string
	dataDir string
	logMu   sync.Mutex
	logged  []egress.Entry
	srv     *llmtest.Server
}

const cliKey = "sk-cli-PLANTED-key-424242-tail"

// newKeysEnv writes a config with a fake OpenAI-compatible provider that
// accepts only cliKey, plus the built-in providers.
func newKeysEnv(t *testing.T, extraConfig string) *keysEnv {
	e := &keysEnv{t: t, kc: &memKeychain{m: map[string]string{}}, env: map[string]string{}}
	e.srv = llmtest.New(t, llmtest.KindOpenAICompatible, llmtest.Script{Key: cliKey, Models: []string{"m1", "m2"}})
	dir := t.TempDir()
	e.cfgPath = filepath.Join(dir, "config.toml")
	e.dataDir = filepath.Join(dir, "data")
	cfg := fmt.Sprintf("[providers.fake]\nkind = \"openai-compatible\"\nbase_url = %q\nmodel = \"m1\"\nkey_env = \"FAKE_KEY\"\n%s", e.srv.BaseURL, extraConfig)
	if err := os.WriteFile(e.cfgPath, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	oldKC, oldDoor := newKeychain, newKeysDoor
	newKeychain = func(io *IO) *secrets.Keychain { return secrets.NewWithBackend(e.kc, io.Getenv, time.Second) }
	newKeysDoor = func(*Globals, *IO) (*egress.Door, func(), error) {
		return egress.New(egress.LoggerFunc(func(_ context.Context, en egress.Entry) error {
			e.logMu.Lock()
			defer e.logMu.Unlock()
			e.logged = append(e.logged, en)
			return nil
		})), func() {}, nil
	}
	t.Cleanup(func() { newKeychain, newKeysDoor = oldKC, oldDoor })
	return e
}

// run runs reasonkit with args; stdin is piped unless secret is set, in
// which case it plays a terminal's hidden input.
func (e *keysEnv) run(stdin string, secret func() ([]byte, error), args ...string) (int, string, string) {
	var out, errb bytes.Buffer
	io := &IO{In: strings.NewReader(stdin), Out: &out, Err: &errb, Getenv: func(k string) string { return e.env[k] }, ReadSecret: secret}
	all := append([]string{"--config", e.cfgPath, "--data-dir", e.dataDir}, args...)
	code := Main(all, io, nil)
	return code, out.String(), errb.String()
}

func (e *keysEnv) stored(provider string) string {
	v, _ := e.kc.Get(secrets.Service, provider)
	return v
}

func TestKeysSetListRm(t *testing.T) {
	e := newKeysEnv(t, "")
	code, out, errOut := e.run(cliKey+"\n", nil, "keys", "set", "fake")
	if code != 0 || e.stored("fake") != cliKey || !strings.Contains(out, "…tail") {
		t.Fatalf("set: code %d out %q err %q stored %q", code, out, errOut, e.stored("fake"))
	}
	if strings.Contains(out+errOut, cliKey) {
		t.Fatal("set printed the key")
	}

	code, out, _ = e.run("", nil, "keys", "list")
	if code != 0 || !regexpLine(out, `fake\s+…tail\s+keychain`) || !regexpLine(out, `ollama\s+-\s+none\s+not needed`) ||
		!regexpLine(out, `openai\s+-\s+none\s+reasonkit keys set openai, or set OPENAI_API_KEY`) {
		t.Fatalf("list: code %d\n%s", code, out)
	}
	code, out, _ = e.run("", nil, "keys", "list", "--json")
	var v struct{ Keys []map[string]any }
	if code != 0 || json.Unmarshal([]byte(out), &v) != nil || strings.Contains(out, cliKey) {
		t.Fatalf("list --json: code %d\n%s", code, out)
	}
	got := map[string]map[string]any{}
	for _, k := range v.Keys {
		got[k["provider"].(string)] = k
	}
	if f := got["fake"]; f["set"] != true || f["source"] != "keychain" || f["masked"] != "…tail" || f["needs_key"] != false || f["env_var"] != "FAKE_KEY" {
		t.Fatalf("fake row %v", f)
	}
	if a := got["anthropic"]; a["set"] != false || a["source"] != "none" || a["needs_key"] != true {
		t.Fatalf("anthropic row %v", a)
	}

	// The environment overrides the keychain, and says so.
	e.env["FAKE_KEY"] = "sk-from-the-environment-9999"
	code, out, _ = e.run("", nil, "keys", "list")
	if code != 0 || !regexpLine(out, `fake\s+…9999\s+environment\s+from FAKE_KEY`) {
		t.Fatalf("list with env: %s", out)
	}
	code, _, errOut = e.run("sk-another-key-00000000\n", nil, "keys", "set", "fake")
	if code != 0 || !strings.Contains(errOut, "FAKE_KEY is set in this environment") {
		t.Fatalf("set with env: code %d err %q", code, errOut)
	}
	delete(e.env, "FAKE_KEY")

	code, out, _ = e.run("", nil, "keys", "rm", "fake")
	if code != 0 || e.stored("fake") != "" || !strings.Contains(out, "removed") {
		t.Fatalf("rm: code %d out %q", code, out)
	}
	code, _, errOut = e.run("", nil, "keys", "rm", "fake")
	if code != 1 || !strings.Contains(errOut, "holds no key for fake") {
		t.Fatalf("second rm: code %d err %q", code, errOut)
	}
}

func TestKeysSetFromTerminal(t *testing.T) {
	e := newKeysEnv(t, "")
	code, out, errOut := e.run("", func() ([]byte, error) { return []byte(cliKey), nil }, "keys", "set", "fake")
	if code != 0 || e.stored("fake") != cliKey || !strings.Contains(errOut, "API key for fake (input hidden)") {
		t.Fatalf("code %d out %q err %q", code, out, errOut)
	}
}

func TestKeysSetRejects(t *testing.T) {
	e := newKeysEnv(t, "")
	cases := []struct {
		name, stdin string
		args        []string
		code        int
		want        string
	}{
		{"key as an argument", "", []string{"keys", "set", "fake", "sk-typed-on-the-command-line"}, 2, "never from the command line"},
		{"api-key flag", "", []string{"keys", "set", "fake", "--api-key=sk-typed-on-the-command-line"}, 2, "there is no --api-key flag"},
		{"api-key flag first", "", []string{"keys", "--api-key", "sk-typed-on-the-command-line", "list"}, 2, "shell history"},
		{"key flag", "", []string{"keys", "test", "fake", "-key", "sk-typed-on-the-command-line"}, 2, "keys set PROVIDER"},
		{"empty stdin", "", []string{"keys", "set", "fake"}, 2, "no key on stdin"},
		{"two lines", "sk-one-aaaaaaaaaa\nsk-two-bbbbbbbbbbb\n", []string{"keys", "set", "fake"}, 1, "line break"},
		{"too long", strings.Repeat("k", 3000), []string{"keys", "set", "fake"}, 1, "more than the 2500"},
		{"unknown provider", "sk-aaaaaaaaaaaaaaaa", []string{"keys", "set", "nope"}, 1, `no provider "nope" is configured (have anthropic, fake, ollama, openai)`},
		{"no provider", "", []string{"keys", "set"}, 2, "usage: reasonkit keys set PROVIDER"},
		{"unknown subcommand", "", []string{"keys", "show"}, 2, `unknown keys command "show"`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, out, errOut := e.run(c.stdin, nil, c.args...)
			if code != c.code || !strings.Contains(errOut, c.want) {
				t.Fatalf("code %d (want %d), stderr %q lacks %q", code, c.code, errOut, c.want)
			}
			if strings.Contains(out+errOut, "sk-typed-on-the-command-line") || strings.Contains(out+errOut, "sk-two") {
				t.Fatalf("output repeats the key: %q %q", out, errOut)
			}
			if len(e.kc.m) != 0 {
				t.Fatalf("a rejected key was stored: %v", e.kc.m)
			}
		})
	}
}

func TestKeysTest(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := ln.Addr().String()
	ln.Close()
	e := newKeysEnv(t, fmt.Sprintf("[providers.gone]\nkind = \"openai-compatible\"\nbase_url = \"http://%s/v1\"\nmodel = \"m\"\n[providers.remote]\nkind = \"openai-compatible\"\nbase_url = \"https://llm.invalid/v1\"\nmodel = \"m\"\n", dead))

	// Local server, no key yet: the request goes without one and is refused.
	code, _, errOut := e.run("", nil, "keys", "test", "fake")
	if code != 1 || !strings.Contains(errOut, "invalid key") || !strings.Contains(errOut, "no API key is set for fake") {
		t.Fatalf("no key: code %d err %q", code, errOut)
	}
	e.kc.Set(secrets.Service, "fake", "sk-wrong-wrong-wrong-0000")
	code, out, errOut := e.run("", nil, "keys", "test", "fake")
	if code != 1 || !strings.Contains(errOut, "invalid key") || strings.Contains(out+errOut, "sk-wrong-wrong-wrong-0000") {
		t.Fatalf("wrong key: code %d out %q err %q", code, out, errOut)
	}
	e.kc.Set(secrets.Service, "fake", cliKey)
	code, out, errOut = e.run("", nil, "keys", "test", "fake")
	if code != 0 || !strings.Contains(out, "fake: ok") || !strings.Contains(out, "keychain, …tail") || strings.Contains(out+errOut, cliKey) {
		t.Fatalf("right key: code %d out %q err %q", code, out, errOut)
	}
	calls := e.srv.Calls()
	if last := calls[len(calls)-1]; last.Header.Get("Authorization") != "Bearer "+cliKey || last.Path != "/v1/models" {
		t.Fatalf("last request %s with %q", last.Path, last.Header.Get("Authorization"))
	}
	if len(e.logged) != 3 || e.logged[2].Purpose != "test-key" || e.logged[2].Status != 200 || strings.Contains(fmt.Sprint(e.logged), cliKey) {
		t.Fatalf("outbound log %+v", e.logged)
	}

	code, _, errOut = e.run("", nil, "keys", "test", "gone")
	if code != 1 || !strings.Contains(errOut, "unreachable") || !strings.Contains(errOut, dead) {
		t.Fatalf("unreachable: code %d err %q", code, errOut)
	}
	// A remote provider without any key is not even tried.
	code, _, errOut = e.run("", nil, "keys", "test", "remote")
	if code != 1 || !strings.Contains(errOut, "no key set: run `reasonkit keys set remote`") || len(e.logged) != 4 {
		t.Fatalf("remote without key: code %d err %q, %d log entries", code, errOut, len(e.logged))
	}
}

func regexpLine(out, pattern string) bool {
	for _, line := range strings.Split(out, "\n") {
		if ok, _ := regexp.MatchString(pattern, line); ok {
			return true
		}
	}
	return false
}
