// Package secrets keeps provider API keys in the OS keychain (service
// "reasonkit", one account per provider) and resolves which key a provider
// uses: an environment variable overrides the keychain for that process.
//
// A key never leaves this package as a plain string except through
// Credential.ForAuthHeader, which only the model clients call. Everything
// meant for people (Status, Credential's String, fmt verbs and JSON) shows a
// masked tail such as "…a1b2". There is no plaintext fallback: when no
// keychain is reachable the error says so and points to the environment
// variable instead.
package secrets

import (
	"errors"
	"fmt"
	"runtime"
	"strings"
	"time"

	"github.com/zalando/go-keyring"
)

// Service is the keychain service name every entry is stored under.
const Service = "reasonkit"

// DefaultTimeout bounds every keychain call, so a hung Secret Service or an
// unanswered unlock prompt fails instead of freezing the app.
const DefaultTimeout = 5 * time.Second

// MaxKeyBytes is the longest key accepted (Windows allows 2560 bytes and
// macOS about 3000 including service and account names).
const MaxKeyBytes = 2500

// Sources of a key, as shown by Status.Source.
const (
	SourceKeychain    = "keychain"
	SourceEnvironment = "environment"
	SourceNone        = "none"
)

var (
	// ErrNoKeychain means no OS keychain could be reached (or it did not
	// answer within the timeout). Errors wrapping it say what to do instead.
	ErrNoKeychain = errors.New("no OS keychain reachable")
	// ErrNotFound means the keychain has no entry for the provider.
	ErrNotFound = errors.New("no key stored in the keychain")
	// ErrInvalidKey means a key failed validation on Set.
	ErrInvalidKey = errors.New("invalid API key")
)

// wellKnownEnv maps provider names to the environment variable their
// vendors document.
var wellKnownEnv = map[string]string{
	"openai":     "OPENAI_API_KEY",
	"anthropic":  "ANTHROPIC_API_KEY",
	"gemini":     "GEMINI_API_KEY",
	"groq":       "GROQ_API_KEY",
	"mistral":    "MISTRAL_API_KEY",
	"openrouter": "OPENROUTER_API_KEY",
	"deepseek":   "DEEPSEEK_API_KEY",
	"xai":        "XAI_API_KEY",
	"together":   "TOGETHER_API_KEY",
}

// EnvVar returns the environment variable that overrides the keychain for
// provider: keyEnv (the provider's `key_env` in config.toml) when set,
// otherwise the vendor's well-known variable for that provider name, or ""
// when there is none.
func EnvVar(provider, keyEnv string) string {
	if keyEnv != "" {
		return keyEnv
	}
	return wellKnownEnv[provider]
}

// Backend is the raw keychain. The default is the OS keychain through
// go-keyring; tests of other packages may supply an in-memory one.
type Backend interface {
	Set(service, account, secret string) error
	Get(service, account string) (string, error)
	Delete(service, account string) error
}

type osBackend struct{}

func (osBackend) Set(s, a, v string) error        { return keyring.Set(s, a, v) }
func (osBackend) Get(s, a string) (string, error) { return keyring.Get(s, a) }
func (osBackend) Delete(s, a string) error        { return keyring.Delete(s, a) }

// Keychain resolves and stores provider keys.
type Keychain struct {
	backend Backend
	getenv  func(string) string
	timeout time.Duration
}

// New returns a Keychain on the OS keychain. getenv (nil: no environment
// overrides) is consulted before the keychain.
func New(getenv func(string) string) *Keychain {
	return NewWithBackend(osBackend{}, getenv, DefaultTimeout)
}

// NewWithBackend returns a Keychain on b with the given per-call timeout
// (<= 0: DefaultTimeout).
func NewWithBackend(b Backend, getenv func(string) string, timeout time.Duration) *Keychain {
	if getenv == nil {
		getenv = func(string) string { return "" }
	}
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	return &Keychain{backend: b, getenv: getenv, timeout: timeout}
}

// ValidateKey reports why key cannot be stored, or nil.
func ValidateKey(key string) error {
	switch {
	case strings.TrimSpace(key) == "":
		return fmt.Errorf("%w: the key is empty", ErrInvalidKey)
	case strings.ContainsAny(key, "\r\n"):
		return fmt.Errorf("%w: the key contains a line break (paste only the key, on one line)", ErrInvalidKey)
	case len(key) > MaxKeyBytes:
		return fmt.Errorf("%w: the key is %d bytes, more than the %d a keychain entry may hold", ErrInvalidKey, len(key), MaxKeyBytes)
	case strings.TrimSpace(key) != key:
		return fmt.Errorf("%w: the key starts or ends with spaces", ErrInvalidKey)
	}
	return nil
}

// Set stores key for provider in the OS keychain, replacing any earlier one.
func (k *Keychain) Set(provider, key string) error {
	if err := ValidateKey(key); err != nil {
		return err
	}
	err := k.call(provider, "", func() error { return k.backend.Set(Service, provider, key) })
	if errors.Is(err, keyring.ErrSetDataTooBig) {
		return fmt.Errorf("%w: the keychain refused a key this long", ErrInvalidKey)
	}
	if err != nil {
		return fmt.Errorf("store key for %s: %w", provider, err)
	}
	return nil
}

// Delete removes provider's key from the keychain. It returns an error
// wrapping ErrNotFound when there was none.
func (k *Keychain) Delete(provider string) error {
	err := k.call(provider, "", func() error { return k.backend.Delete(Service, provider) })
	if err != nil {
		return fmt.Errorf("remove key for %s: %w", provider, err)
	}
	return nil
}

// Get resolves the key provider uses: the environment variable named by
// EnvVar(provider, keyEnv) when it is set, otherwise the keychain entry.
// With neither it returns an empty Credential and an error wrapping
// ErrNotFound (or ErrNoKeychain when the keychain cannot be reached).
func (k *Keychain) Get(provider, keyEnv string) (Credential, error) {
	if env := EnvVar(provider, keyEnv); env != "" {
		if v := strings.TrimSpace(k.getenv(env)); v != "" {
			return Credential{provider: provider, value: v, source: SourceEnvironment, env: env}, nil
		}
	}
	var v string
	err := k.call(provider, keyEnv, func() error {
		var err error
		v, err = k.backend.Get(Service, provider)
		return err
	})
	if err != nil {
		return Credential{provider: provider, source: SourceNone}, fmt.Errorf("key for %s: %w", provider, err)
	}
	return Credential{provider: provider, value: v, source: SourceKeychain}, nil
}

// Status is what people may see about a provider's key: whether it is set,
// where it comes from and a masked tail. It never holds the key.
type Status struct {
	Provider string `json:"provider"`
	Set      bool   `json:"set"`
	Source   string `json:"source"`            // "keychain" | "environment" | "none"
	EnvVar   string `json:"env_var,omitempty"` // the variable that would override the keychain
	Masked   string `json:"masked,omitempty"`  // e.g. "…a1b2"
	Error    string `json:"error,omitempty"`   // why the keychain could not be read
}

// Status reports provider's key without revealing it. A keychain that
// cannot be reached is reported in Status.Error, not as a failure.
func (k *Keychain) Status(provider, keyEnv string) Status {
	c, err := k.Get(provider, keyEnv)
	st := Status{Provider: provider, Source: c.source, EnvVar: EnvVar(provider, keyEnv)}
	if err != nil && !errors.Is(err, ErrNotFound) {
		st.Error = err.Error()
	}
	if c.IsSet() {
		st.Set = true
		st.Masked = c.Masked()
	}
	return st
}

// call runs fn against the keychain with the timeout and turns backend
// errors into ErrNotFound or ErrNoKeychain. A call that times out keeps
// running in the background (the keychain library cannot be interrupted);
// its result is dropped.
func (k *Keychain) call(provider, keyEnv string, fn func() error) error {
	done := make(chan error, 1)
	go func() { done <- fn() }()
	timer := time.NewTimer(k.timeout)
	defer timer.Stop()
	var err error
	select {
	case err = <-done:
	case <-timer.C:
		return &unreachableError{provider: provider, env: EnvVar(provider, keyEnv), cause: fmt.Sprintf("no answer within %s", k.timeout)}
	}
	switch {
	case err == nil:
		return nil
	case errors.Is(err, keyring.ErrNotFound):
		return ErrNotFound
	case errors.Is(err, keyring.ErrSetDataTooBig):
		return err
	default:
		return &unreachableError{provider: provider, env: EnvVar(provider, keyEnv), cause: err.Error()}
	}
}

// unreachableError explains that no keychain answered and what to do.
type unreachableError struct {
	provider, env, cause string
}

func (e *unreachableError) Error() string {
	env := e.env
	if env == "" {
		env = "the provider's key_env variable"
	}
	return fmt.Sprintf("%s (%s): %s; %s, or set %s for this process (no key is ever stored in plain text)",
		ErrNoKeychain, keychainName(), e.cause, startHint(), env)
}

func (e *unreachableError) Unwrap() error { return ErrNoKeychain }

func keychainName() string {
	switch runtime.GOOS {
	case "darwin":
		return "macOS Keychain"
	case "windows":
		return "Windows Credential Manager"
	default:
		return "Secret Service"
	}
}

func startHint() string {
	switch runtime.GOOS {
	case "darwin":
		return "unlock the login keychain"
	case "windows":
		return "check that Credential Manager is running"
	default:
		return "start gnome-keyring (or another Secret Service such as KeePassXC) and unlock it"
	}
}

// Ref names a provider and its configured key_env, for Statuses.
type Ref struct{ Provider, KeyEnv string }

// Statuses reports several providers. Once the keychain proves unreachable
// it is not asked again (each attempt could take the whole timeout); the
// remaining providers are resolved from the environment alone and carry the
// same Error.
func (k *Keychain) Statuses(refs []Ref) []Status {
	out := make([]Status, 0, len(refs))
	unreachable := ""
	for _, r := range refs {
		if unreachable == "" {
			st := k.Status(r.Provider, r.KeyEnv)
			unreachable = st.Error
			out = append(out, st)
			continue
		}
		st := Status{Provider: r.Provider, Source: SourceNone, EnvVar: EnvVar(r.Provider, r.KeyEnv), Error: unreachable}
		if st.EnvVar != "" {
			if v := strings.TrimSpace(k.getenv(st.EnvVar)); v != "" {
				st.Set, st.Source, st.Masked = true, SourceEnvironment, Mask(v)
			}
		}
		out = append(out, st)
	}
	return out
}
