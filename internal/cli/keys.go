package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/reasonkit/desktop/internal/config"
	"github.com/reasonkit/desktop/internal/core"
	"github.com/reasonkit/desktop/internal/egress"
	"github.com/reasonkit/desktop/internal/llm"
	"github.com/reasonkit/desktop/internal/secrets"
)

func init() {
	register(&command{name: "keys", summary: "set|list|rm|test PROVIDER: provider API keys in the OS keychain", run: runKeys})
}

const keysUsage = `usage: reasonkit keys set PROVIDER     read the key from stdin (hidden on a terminal) into the OS keychain
       reasonkit keys list [--json]   show where each provider's key comes from (masked)
       reasonkit keys rm PROVIDER      remove the key from the keychain
       reasonkit keys test PROVIDER    make the cheapest authenticated call: ok / invalid key / unreachable`

// keyTestTimeout bounds `keys test`.
const keyTestTimeout = 20 * time.Second

// newKeychain opens the key store; tests replace it with one on an
// in-memory backend.
var newKeychain = func(io *IO) *secrets.Keychain { return secrets.New(io.Getenv) }

// newKeysDoor returns the egress door for `keys test`; tests replace it.
// It records to the outbound log when the data dir can be opened.
var newKeysDoor = func(g *Globals, io *IO) (*egress.Door, func(), error) {
	c, err := openCore(g, io)
	if err != nil {
		return nil, nil, err
	}
	return c.Door(), func() { c.Close() }, nil
}

var keyFlag = regexp.MustCompile(`(?i)^--?(api[-_]?key|key)(=.*)?$`)

// APIKeyFlagError returns a usage error explaining why keys are never
// flags when args contain one such as --api-key, and nil otherwise. The
// flag's value is never repeated. Main should call it for every command.
func APIKeyFlagError(args []string) error {
	for _, a := range args {
		if a == "--" {
			return nil
		}
		if m := keyFlag.FindStringSubmatch(a); m != nil {
			return usagef("there is no %s flag: keys are never passed on the command line, because arguments are visible "+
				"to every program on the machine (ps, /proc) and are saved in shell history. Store the key in the OS keychain "+
				"with `reasonkit keys set PROVIDER` (paste it when asked, or pipe it in: `secret-tool lookup ... | reasonkit keys set openai`), "+
				"or set the provider's environment variable (e.g. OPENAI_API_KEY) for one process. If you just typed a real key, "+
				"delete it from your shell history and consider rotating it", strings.SplitN(a, "=", 2)[0])
		}
	}
	return nil
}

func runKeys(ctx context.Context, g *Globals, io *IO, args []string) error {
	if err := APIKeyFlagError(args); err != nil {
		return err
	}
	if len(args) == 0 {
		return usagef("%s", keysUsage)
	}
	sub, rest := args[0], args[1:]
	switch sub {
	case "set":
		return keysSet(g, io, rest)
	case "list", "ls":
		return keysList(g, io, rest)
	case "rm", "remove", "delete":
		return keysRm(g, io, rest)
	case "test":
		return keysTest(ctx, g, io, rest)
	case "-h", "--help", "help":
		fmt.Fprintln(io.Out, keysUsage)
		return nil
	}
	return usagef("unknown keys command %q\n%s", sub, keysUsage)
}

// oneProvider checks that args is exactly one provider name.
func oneProvider(sub string, args []string) (string, error) {
	switch {
	case len(args) == 0:
		return "", usagef("usage: reasonkit keys %s PROVIDER", sub)
	case len(args) > 1 && sub == "set":
		// Do not repeat the extra words: they may be the key itself.
		return "", usagef("keys set takes only the provider name; the key is read from stdin (hidden on a terminal), never from the command line where other programs and shell history can see it")
	case len(args) > 1:
		return "", usagef("usage: reasonkit keys %s PROVIDER (one provider)", sub)
	}
	return args[0], nil
}

// configured returns provider name's config or an error listing the
// configured names.
func configured(cfg *config.Config, name string) (*config.Provider, error) {
	if p, ok := cfg.Providers[name]; ok {
		return p, nil
	}
	return nil, fmt.Errorf("no provider %q is configured (have %s); add [providers.%s] to %s", name, strings.Join(cfg.ProviderNames(), ", "), name, configPathForMsg(cfg))
}

func configPathForMsg(cfg *config.Config) string {
	if cfg.Path != "" {
		return cfg.Path
	}
	return "config.toml (`reasonkit config init` writes one)"
}

func keysSet(g *Globals, io *IO, args []string) error {
	name, err := oneProvider("set", args)
	if err != nil {
		return err
	}
	cfg, err := g.LoadConfig(io)
	if err != nil {
		return err
	}
	p, err := configured(cfg, name)
	if err != nil {
		return err
	}
	key, err := readKey(io, name)
	if err != nil {
		return err
	}
	kc := newKeychain(io)
	if err := kc.Set(name, key); err != nil {
		return err
	}
	fmt.Fprintf(io.Out, "stored the %s key in the OS keychain (%s)\n", name, secrets.Mask(key))
	if env := secrets.EnvVar(name, p.KeyEnv); env != "" && strings.TrimSpace(io.Getenv(env)) != "" {
		fmt.Fprintf(io.Err, "note: %s is set in this environment and takes precedence over the keychain\n", env)
	}
	return nil
}

// readKey reads one key: hidden from the terminal, or the first line of a
// pipe.
func readKey(io *IO, name string) (string, error) {
	if io.ReadSecret != nil {
		fmt.Fprintf(io.Err, "API key for %s (input hidden): ", name)
		b, err := io.ReadSecret()
		fmt.Fprintln(io.Err)
		if err != nil {
			return "", fmt.Errorf("read key from terminal: %w", err)
		}
		return strings.TrimRight(string(b), "\r\n"), nil
	}
	b, err := readAllLimit(io.In, secrets.MaxKeyBytes+3)
	if err != nil {
		return "", fmt.Errorf("read key from stdin: %w", err)
	}
	s := string(b)
	s = strings.TrimSuffix(s, "\n")
	s = strings.TrimSuffix(s, "\r")
	if s == "" {
		return "", usagef("no key on stdin: paste it when asked on a terminal, or pipe it in (`... | reasonkit keys set %s`)", name)
	}
	return s, nil
}

func readAllLimit(r io.Reader, n int64) ([]byte, error) {
	if r == nil {
		return nil, nil
	}
	return io.ReadAll(io.LimitReader(r, n))
}

// keyRow is one line of `keys list --json`.
type keyRow struct {
	secrets.Status
	NeedsKey bool `json:"needs_key"`
}

func keysList(g *Globals, io *IO, args []string) error {
	fs := newFlags(io, "keys list", "keys list [--json]")
	asJSON := fs.Bool("json", false, "print JSON")
	rest, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(rest) > 0 {
		return usagef("usage: reasonkit keys list [--json]")
	}
	cfg, err := g.LoadConfig(io)
	if err != nil {
		return err
	}
	names := cfg.ProviderNames()
	refs := make([]secrets.Ref, len(names))
	for i, n := range names {
		refs[i] = secrets.Ref{Provider: n, KeyEnv: cfg.Providers[n].KeyEnv}
	}
	sts := newKeychain(io).Statuses(refs)
	rows := make([]keyRow, len(sts))
	for i, st := range sts {
		rows[i] = keyRow{Status: st, NeedsKey: core.NeedsKey(cfg.Providers[st.Provider])}
	}
	if *asJSON {
		return writeJSON(io.Out, map[string]any{"keys": rows})
	}
	tw := tabwriter.NewWriter(io.Out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "PROVIDER\tKEY\tSOURCE\tNOTE")
	for _, r := range rows {
		key, note := r.Masked, ""
		if !r.Set {
			key = "-"
			switch {
			case !r.NeedsKey:
				note = "not needed (local server)"
			case r.EnvVar != "":
				note = fmt.Sprintf("reasonkit keys set %s, or set %s", r.Provider, r.EnvVar)
			default:
				note = fmt.Sprintf("reasonkit keys set %s", r.Provider)
			}
		} else if r.Source == secrets.SourceEnvironment {
			note = "from " + r.EnvVar + " (overrides the keychain)"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", r.Provider, key, r.Source, note)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if len(rows) > 0 && rows[len(rows)-1].Error != "" {
		fmt.Fprintf(io.Err, "warning: %s\n", rows[len(rows)-1].Error)
	}
	return nil
}

func keysRm(g *Globals, io *IO, args []string) error {
	name, err := oneProvider("rm", args)
	if err != nil {
		return err
	}
	kc := newKeychain(io)
	if err := kc.Delete(name); err != nil {
		if errors.Is(err, secrets.ErrNotFound) {
			return fmt.Errorf("the OS keychain holds no key for %s", name)
		}
		return err
	}
	fmt.Fprintf(io.Out, "removed the %s key from the OS keychain\n", name)
	keyEnv := ""
	if cfg, err := g.LoadConfig(io); err == nil && cfg.Providers[name] != nil {
		keyEnv = cfg.Providers[name].KeyEnv
	}
	if env := secrets.EnvVar(name, keyEnv); env != "" && strings.TrimSpace(io.Getenv(env)) != "" {
		fmt.Fprintf(io.Err, "note: %s is still set in this environment, so %s keeps working in this shell\n", env, name)
	}
	return nil
}

func keysTest(ctx context.Context, g *Globals, io *IO, args []string) error {
	name, err := oneProvider("test", args)
	if err != nil {
		return err
	}
	cfg, err := g.LoadConfig(io)
	if err != nil {
		return err
	}
	p, err := configured(cfg, name)
	if err != nil {
		return err
	}
	cred, err := newKeychain(io).Get(name, p.KeyEnv)
	if err != nil && !errors.Is(err, secrets.ErrNotFound) {
		return err // no keychain reachable: the error says what to do
	}
	if !cred.IsSet() && core.NeedsKey(p) {
		env := secrets.EnvVar(name, p.KeyEnv)
		if env != "" {
			return fmt.Errorf("%s: no key set: run `reasonkit keys set %s` or set %s", name, name, env)
		}
		return fmt.Errorf("%s: no key set: run `reasonkit keys set %s`", name, name)
	}
	door, done, err := newKeysDoor(g, io)
	if err != nil {
		return err
	}
	defer done()
	client, err := llm.New(name, p, cred, door, llm.WithRetry(llm.RetryPolicy{Attempts: 1}))
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, keyTestTimeout)
	defer cancel()
	err = client.TestKey(ctx)
	what := "the server answered"
	if cred.IsSet() {
		what = fmt.Sprintf("the key (%s, %s) was accepted", cred.Source(), cred.Masked())
	}
	switch {
	case err == nil:
		fmt.Fprintf(io.Out, "%s: ok — %s by %s\n", name, what, p.BaseURL)
		return nil
	case errors.Is(err, llm.ErrBadKey):
		return fmt.Errorf("invalid key — %w", err)
	case errors.Is(err, llm.ErrUnreachable), errors.Is(err, llm.ErrTimeout):
		return fmt.Errorf("unreachable — %w", err)
	default:
		return fmt.Errorf("failed — %w", err)
	}
}
