// Package config reads, validates and writes config.toml. It never holds
// secrets: a key found in the file is an error that says where keys belong.
package config

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/BurntSushi/toml"

	"github.com/reasonkit/desktop/internal/tomlpos"
)

// Config is the whole config.toml.
type Config struct {
	General    General              `toml:"general"`
	Storage    Storage              `toml:"storage"`
	Embedding  Embedding            `toml:"embedding"`
	Processing Processing           `toml:"processing"`
	Retrieval  Retrieval            `toml:"retrieval"`
	Server     Server               `toml:"server"`
	Providers  map[string]*Provider `toml:"providers"`

	// Path is the file this config was read from ("" for built-in defaults).
	Path string `toml:"-"`
	// DataDir is the resolved data directory.
	DataDir string `toml:"-"`
	// ConfigDir is the directory holding config.toml and custom protocols.
	ConfigDir string `toml:"-"`
}

// General holds app-wide choices.
type General struct {
	DefaultProvider string `toml:"default_provider"`
	Theme           string `toml:"theme"`
}

// Storage says where documents, chunks and vectors live.
type Storage struct {
	Backend string `toml:"backend"`
	Path    string `toml:"path"`
}

// Embedding selects the embedder.
type Embedding struct {
	Backend    string   `toml:"backend"`
	Model      string   `toml:"model"`
	Dimensions int      `toml:"dimensions"`
	BatchSize  int      `toml:"batch_size"`
	BaseURL    string   `toml:"base_url"`
	Timeout    Duration `toml:"timeout"`
	KeyEnv     string   `toml:"key_env"`
}

// Processing controls extraction and chunking.
type Processing struct {
	ChunkSize     int `toml:"chunk_size"`
	ChunkOverlap  int `toml:"chunk_overlap"`
	MaxFileSizeMB int `toml:"max_file_size_mb"`
	Workers       int `toml:"workers"`
}

// Retrieval controls search.
type Retrieval struct {
	TopK     int     `toml:"top_k"`
	Mode     string  `toml:"mode"`
	RRFK     int     `toml:"rrf_k"`
	MinScore float64 `toml:"min_score"`
}

// Server is the optional local HTTP API.
type Server struct {
	Enabled bool     `toml:"enabled"`
	Addr    string   `toml:"addr"`
	CORS    []string `toml:"cors"`
}

// Provider is one configured LLM endpoint. It never holds a key: the key
// for provider NAME is the keychain entry set by `reasonkit keys set NAME`,
// or the environment variable named by KeyEnv.
type Provider struct {
	Kind        string   `toml:"kind"`
	BaseURL     string   `toml:"base_url"`
	Model       string   `toml:"model"`
	Temperature float64  `toml:"temperature"`
	MaxTokens   int      `toml:"max_tokens"`
	Timeout     Duration `toml:"timeout"`
	KeyEnv      string   `toml:"key_env"`
	Enabled     *bool    `toml:"enabled"`
}

// IsEnabled reports whether the provider may be used (default true).
func (p *Provider) IsEnabled() bool { return p.Enabled == nil || *p.Enabled }

// Duration is a time.Duration written as "30s" in TOML.
type Duration struct{ time.Duration }

// UnmarshalText parses "30s", "2m".
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := time.ParseDuration(string(b))
	if err != nil {
		return fmt.Errorf("%q is not a duration like \"30s\" or \"2m\"", string(b))
	}
	d.Duration = v
	return nil
}

// MarshalText writes the duration as "30s".
func (d Duration) MarshalText() ([]byte, error) { return []byte(d.Duration.String()), nil }

// Provider kinds.
const (
	KindOpenAI           = "openai"
	KindAnthropic        = "anthropic"
	KindOllama           = "ollama"
	KindOpenAICompatible = "openai-compatible"
)

// Error is a problem in a config file, located by file, line and key.
type Error struct {
	File string
	Line int
	Key  string
	Msg  string
	// Secret is true when the problem is a key written into the file.
	Secret bool
}

func (e *Error) Error() string {
	loc := e.File
	if loc == "" {
		loc = "config"
	}
	if e.Line > 0 {
		loc = fmt.Sprintf("%s:%d", loc, e.Line)
	}
	if e.Key != "" {
		return fmt.Sprintf("%s: %s: %s", loc, e.Key, e.Msg)
	}
	return fmt.Sprintf("%s: %s", loc, e.Msg)
}

// Errors is every problem found in one file.
type Errors []*Error

func (es Errors) Error() string {
	msgs := make([]string, len(es))
	for i, e := range es {
		msgs[i] = e.Error()
	}
	return strings.Join(msgs, "\n")
}

// Options says where to look. Empty fields fall back to env vars, then to the
// OS defaults.
type Options struct {
	ConfigFile string
	DataDir    string
	Getenv     func(string) string
}

// Load resolves paths, reads config.toml if present (a missing file means
// defaults), validates it and returns the result.
func Load(opts Options) (*Config, error) {
	getenv := opts.Getenv
	if getenv == nil {
		getenv = os.Getenv
	}
	file := firstNonEmpty(opts.ConfigFile, getenv("REASONKIT_CONFIG"))
	explicit := file != ""
	if file == "" {
		dir, err := DefaultConfigDir()
		if err != nil {
			return nil, err
		}
		file = filepath.Join(dir, "config.toml")
	}
	cfg := Default()
	cfg.ConfigDir = filepath.Dir(file)
	src, err := os.ReadFile(file)
	switch {
	case err == nil:
		cfg.Path = file
		if err := decode(cfg, file, src); err != nil {
			return nil, err
		}
	case errors.Is(err, os.ErrNotExist) && !explicit:
		// No config file: built-in defaults.
	default:
		return nil, fmt.Errorf("read config %s: %w", file, err)
	}
	dataDir := firstNonEmpty(opts.DataDir, getenv("REASONKIT_DATA_DIR"))
	if dataDir == "" {
		if dataDir, err = DefaultDataDir(); err != nil {
			return nil, err
		}
	}
	cfg.DataDir, err = filepath.Abs(dataDir)
	if err != nil {
		return nil, fmt.Errorf("resolve data dir %s: %w", dataDir, err)
	}
	return cfg, nil
}

// Parse decodes and validates config text; file is used in error messages.
func Parse(file string, src []byte) (*Config, error) {
	cfg := Default()
	if err := decode(cfg, file, src); err != nil {
		return nil, err
	}
	return cfg, nil
}

func decode(cfg *Config, file string, src []byte) error {
	// Providers given in the file replace the built-in list entirely only for
	// the names they mention; the rest of the built-ins stay available.
	md, err := toml.Decode(string(src), cfg)
	if err != nil {
		var pe toml.ParseError
		if errors.As(err, &pe) {
			return Errors{{File: file, Line: pe.Position.Line, Key: pe.LastKey, Msg: pe.Message}}
		}
		return typeError(file, err)
	}
	loc := tomlpos.New(src)
	var errs Errors
	for _, k := range md.Undecoded() {
		table, key := splitKey(k)
		e := &Error{File: file, Line: loc.Line(table, 0, key), Key: k.String()}
		if isSecretKey(key) {
			e.Secret = true
			e.Msg = "API keys do not belong in config.toml; store it in the OS keychain with `reasonkit keys set PROVIDER` (it reads the key from stdin) or set the provider's environment variable, then delete this line"
		} else {
			e.Msg = "unknown key; check its spelling against `reasonkit config init`"
		}
		errs = append(errs, e)
	}
	for _, p := range cfg.validate() {
		p.File = file
		table, key := splitDotted(p.Key)
		p.Line = loc.Line(table, 0, key)
		errs = append(errs, p)
	}
	sort.SliceStable(errs, func(i, j int) bool { return errs[i].Line < errs[j].Line })
	if len(errs) > 0 {
		return errs
	}
	return nil
}

func splitKey(k toml.Key) (table, key string) {
	if len(k) == 0 {
		return "", ""
	}
	return strings.Join(k[:len(k)-1], "."), k[len(k)-1]
}

func splitDotted(k string) (table, key string) {
	i := strings.LastIndexByte(k, '.')
	if i < 0 {
		return "", k
	}
	return k[:i], k[i+1:]
}

// isSecretKey reports whether a config key name looks like it holds a secret.
func isSecretKey(key string) bool {
	k := strings.ToLower(key)
	for _, s := range []string{"api_key", "apikey", "secret", "token", "password"} {
		if strings.Contains(k, s) {
			return true
		}
	}
	return false
}

func firstNonEmpty(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}

// DBPath is the SQLite file for this config.
func (c *Config) DBPath() string {
	if c.Storage.Path != "" {
		return c.Storage.Path
	}
	return filepath.Join(c.DataDir, "reasonkit.db")
}

// ProtocolDir is where custom ThinkTools live.
func (c *Config) ProtocolDir() string { return filepath.Join(c.ConfigDir, "protocols") }

// ProviderNames lists configured providers in name order.
func (c *Config) ProviderNames() []string {
	names := make([]string, 0, len(c.Providers))
	for n := range c.Providers {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

var tomlLineKey = regexp.MustCompile(`^toml: line (\d+) \(last key "([^"]*)"\): (.*)$`)

// typeError turns the toml package's "line N (last key K): msg" errors into
// an *Error with the same parts.
func typeError(file string, err error) error {
	m := tomlLineKey.FindStringSubmatch(err.Error())
	if m == nil {
		return &Error{File: file, Msg: strings.TrimPrefix(err.Error(), "toml: ")}
	}
	line, _ := strconv.Atoi(m[1])
	return Errors{{File: file, Line: line, Key: m[2], Msg: m[3]}}
}
