// Package doctor checks a machine against the product's security practices:
// keys only in the keychain, private data directories, nothing leaving the
// machine unencrypted or unannounced.
package doctor

import (
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/reasonkit/desktop/internal/config"
	"github.com/reasonkit/desktop/internal/egress"
	"github.com/reasonkit/desktop/internal/secrets"
)

// Finding is one problem with how to fix it.
type Finding struct {
	Check string `json:"check"`
	Path  string `json:"path,omitempty"`
	Issue string `json:"issue"`
	Fix   string `json:"fix"`
}

// Options are the inputs of a check-up.
type Options struct {
	Config *config.Config
	// ConfigErr is the error from loading the config, if any: a key in
	// config.toml shows up here.
	ConfigErr error
	// ConfigFile is the config path that was (or would be) read.
	ConfigFile string
	Keychain   *secrets.Keychain
	// WorkDir is where to look for .env files (the current directory).
	WorkDir string
}

// Run performs every check and returns the findings (none means clean).
func Run(o Options) []Finding {
	var out []Finding
	out = append(out, keysInConfig(o)...)
	out = append(out, envFiles(o.WorkDir)...)
	out = append(out, keychain(o.Keychain)...)
	if o.Config != nil {
		out = append(out, permissions(o.Config)...)
		out = append(out, remoteEmbedding(o.Config)...)
		out = append(out, plainHTTP(o.Config)...)
	}
	return out
}

// keyLike matches values that look like provider keys.
var keyLike = regexp.MustCompile(`(?i)\b(sk-[a-z0-9_-]{16,}|sk-ant-[a-z0-9_-]{16,}|gsk_[a-z0-9]{20,}|xai-[a-z0-9]{20,}|AIza[0-9a-z_-]{30,})`)

func keysInConfig(o Options) []Finding {
	var out []Finding
	var ce config.Errors
	if errors.As(o.ConfigErr, &ce) {
		for _, e := range ce {
			if e.Secret {
				out = append(out, Finding{Check: "key-in-config", Path: fmt.Sprintf("%s:%d", e.File, e.Line),
					Issue: fmt.Sprintf("%s holds an API key", e.Key),
					Fix:   "move it to the keychain with `reasonkit keys set PROVIDER` (reads stdin), delete the line, and rotate the key if the file was ever shared"})
			}
		}
	}
	if o.ConfigFile == "" {
		return out
	}
	src, err := os.ReadFile(o.ConfigFile)
	if err != nil {
		return out
	}
	for i, line := range strings.Split(string(src), "\n") {
		if keyLike.MatchString(line) && len(out) == 0 {
			out = append(out, Finding{Check: "key-in-config", Path: fmt.Sprintf("%s:%d", o.ConfigFile, i+1),
				Issue: "a value on this line looks like an API key",
				Fix:   "move it to the keychain with `reasonkit keys set PROVIDER`, delete it from the file and rotate the key"})
		}
	}
	return out
}

// envFiles finds .env files in dir and its parents up to the git work tree
// root that git does not ignore (so a commit could publish them).
func envFiles(dir string) []Finding {
	if dir == "" {
		return nil
	}
	top, err := exec.Command("git", "-C", dir, "rev-parse", "--show-toplevel").Output()
	if err != nil {
		return nil // not in a git work tree (or no git): nothing can be committed by mistake
	}
	root := strings.TrimSpace(string(top))
	var out []Finding
	for d := dir; ; d = filepath.Dir(d) {
		env := filepath.Join(d, ".env")
		if st, err := os.Stat(env); err == nil && st.Mode().IsRegular() {
			if exec.Command("git", "-C", d, "check-ignore", "-q", ".env").Run() != nil {
				out = append(out, Finding{Check: "env-file", Path: env,
					Issue: ".env is inside a git work tree and git does not ignore it, so its keys could be committed",
					Fix:   "add `.env` to .gitignore (and keep keys in the keychain: `reasonkit keys set PROVIDER`)"})
			}
		}
		if d == root || d == filepath.Dir(d) {
			break
		}
	}
	return out
}

func keychain(k *secrets.Keychain) []Finding {
	if k == nil {
		return nil
	}
	_, err := k.Get("reasonkit-doctor-probe", "")
	if errors.Is(err, secrets.ErrNoKeychain) {
		return []Finding{{Check: "keychain", Issue: "no OS keychain is reachable: " + err.Error(),
			Fix: "start or unlock the keychain (on Linux: gnome-keyring or KeePassXC's Secret Service), or pass keys through environment variables"}}
	}
	return nil
}

func permissions(cfg *config.Config) []Finding {
	var out []Finding
	check := func(path string, want os.FileMode) {
		st, err := os.Stat(path)
		if err != nil {
			return
		}
		if st.Mode().Perm()&0o077 != 0 {
			out = append(out, Finding{Check: "permissions", Path: path,
				Issue: fmt.Sprintf("mode %04o lets other users read it", st.Mode().Perm()),
				Fix:   fmt.Sprintf("chmod %04o %s", want, path)})
		}
	}
	check(cfg.DataDir, 0o700)
	check(cfg.DBPath(), 0o600)
	if cfg.Path != "" {
		check(cfg.ConfigDir, 0o700)
		check(cfg.Path, 0o600)
	}
	return out
}

func remoteEmbedding(cfg *config.Config) []Finding {
	if cfg.Embedding.Backend == "local" {
		return nil
	}
	base := cfg.EmbeddingEndpoint()
	if !egress.LeavesMachine(base) {
		return nil // a model server on this machine: the text stays here
	}
	return []Finding{{Check: "remote-embedding", Path: cfg.Path,
		Issue: fmt.Sprintf("[embedding] backend = %q sends the text of every indexed document to %s", cfg.Embedding.Backend, hostOr(base, "a remote server")),
		Fix:   "set [embedding] backend = \"local\" to keep document text on this machine (then `reasonkit index --reembed`)"}}
}

func plainHTTP(cfg *config.Config) []Finding {
	var out []Finding
	check := func(key, raw string) {
		u, err := url.Parse(raw)
		if err != nil || u.Scheme != "http" || egress.IsLoopback(u.Hostname()) {
			return
		}
		out = append(out, Finding{Check: "plain-http", Path: cfg.Path,
			Issue: fmt.Sprintf("%s = %q sends prompts and keys unencrypted to %s", key, raw, u.Host),
			Fix:   "use an https:// URL (reasonkit refuses to send to it as it is)"})
	}
	for _, name := range cfg.ProviderNames() {
		check("providers."+name+".base_url", cfg.Providers[name].BaseURL)
	}
	check("embedding.base_url", cfg.Embedding.BaseURL)
	return out
}

func hostOr(raw, fallback string) string {
	if u, err := url.Parse(raw); err == nil && u.Host != "" {
		return u.Host
	}
	return fallback
}
