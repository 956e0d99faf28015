package secrets

import (
	"encoding/json"
	"fmt"
	"unicode/utf8"
)

// Credential is a resolved API key. Printing it in any way (String, every
// fmt verb, JSON, slog) shows only a masked tail; the raw value is available
// through ForAuthHeader alone. The zero Credential means "no key".
type Credential struct {
	provider string
	value    string
	source   string
	env      string
}

// Provider is the provider name the key belongs to.
func (c Credential) Provider() string { return c.provider }

// IsSet reports whether there is a key.
func (c Credential) IsSet() bool { return c.value != "" }

// Source is "keychain", "environment" or "none".
func (c Credential) Source() string {
	if c.source == "" {
		return SourceNone
	}
	return c.source
}

// EnvVar names the environment variable the key came from, if it did.
func (c Credential) EnvVar() string { return c.env }

// Masked returns "…" plus the last four characters of a key long enough to
// keep the rest secret ("…" alone for short keys, "" for no key).
func (c Credential) Masked() string { return Mask(c.value) }

// ForAuthHeader returns the raw key. It exists for the model clients in
// internal/llm (and remote embedders) to put into the Authorization or
// x-api-key header, and for nothing else: never log, store, return or
// display its result. A test in this package fails if any other package
// calls it.
func (c Credential) ForAuthHeader() string { return c.value }

// String shows the masked key.
func (c Credential) String() string {
	if c.value == "" {
		return "(no key)"
	}
	return c.Masked()
}

// GoString keeps %#v masked too.
func (c Credential) GoString() string { return "secrets.Credential(" + c.String() + ")" }

// Format makes every fmt verb print the masked form.
func (c Credential) Format(f fmt.State, _ rune) { fmt.Fprint(f, c.String()) }

// MarshalJSON writes the masked form.
func (c Credential) MarshalJSON() ([]byte, error) { return json.Marshal(c.String()) }

// MarshalText writes the masked form (used by encoding/xml, TOML, slog).
func (c Credential) MarshalText() ([]byte, error) { return []byte(c.String()), nil }

// Mask returns "…" and the last four characters of key when key has at
// least 12 characters, "…" for a shorter non-empty key and "" for none.
func Mask(key string) string {
	if key == "" {
		return ""
	}
	if utf8.RuneCountInString(key) < 12 {
		return "…"
	}
	r := []rune(key)
	return "…" + string(r[len(r)-4:])
}
