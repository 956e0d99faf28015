package llm

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// Sentinel errors. Every error a client returns for a failed request is an
// *Error that matches exactly one of these with errors.Is, so callers can
// react (e.g. `keys test` prints "invalid key" for ErrBadKey).
var (
	ErrBadKey         = errors.New("API key rejected")
	ErrUnknownModel   = errors.New("unknown model")
	ErrRateLimited    = errors.New("rate limited")
	ErrUnreachable    = errors.New("provider unreachable")
	ErrContextTooLong = errors.New("prompt too long for the model")
	ErrStreamCut      = errors.New("answer stream cut off")
	ErrTimeout        = errors.New("provider timed out")
	ErrServer         = errors.New("provider server error")
	ErrBadResponse    = errors.New("malformed response from provider")
	ErrRequest        = errors.New("request rejected by provider")
)

// Error is a failed provider request explained for people. Kind is one of
// the sentinel errors above; Message is the provider's own words (with any
// copy of the key masked).
type Error struct {
	Provider   string
	Kind       error
	Status     int           // HTTP status, 0 if none
	Message    string        // provider's message, trimmed and masked
	RetryAfter time.Duration // for ErrRateLimited, when the server said
	Hint       string        // what the person can do about it
	Err        error         // underlying cause, if any
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.Provider)
	b.WriteString(": ")
	b.WriteString(e.Kind.Error())
	if e.Status != 0 {
		fmt.Fprintf(&b, " (HTTP %d)", e.Status)
	}
	if e.Message != "" {
		b.WriteString(": ")
		b.WriteString(e.Message)
	} else if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	if e.Hint != "" {
		b.WriteString("; ")
		b.WriteString(e.Hint)
	}
	return b.String()
}

// Unwrap exposes Kind and the cause to errors.Is / errors.As.
func (e *Error) Unwrap() []error {
	if e.Err != nil {
		return []error{e.Kind, e.Err}
	}
	return []error{e.Kind}
}

// retryable reports whether a request failing with err may be sent again
// (only when no text has been streamed yet; the caller checks that).
func retryable(err error) bool {
	return errors.Is(err, ErrRateLimited) || errors.Is(err, ErrServer) || errors.Is(err, ErrStreamCut)
}

// kindForStatus maps an HTTP status and the provider's error text to a
// sentinel. listing is true for model-list calls, where 404 means the
// endpoint does not exist rather than an unknown model.
func kindForStatus(status int, msg string, listing bool) error {
	low := strings.ToLower(msg)
	switch {
	case status == 401 || status == 403:
		return ErrBadKey
	case status == 404 && !listing:
		return ErrUnknownModel
	case status == 429:
		return ErrRateLimited
	case status == 413 || contextTooLong(low):
		return ErrContextTooLong
	case status >= 500:
		return ErrServer
	case status == 400 && (strings.Contains(low, "model") && (strings.Contains(low, "not found") || strings.Contains(low, "does not exist") || strings.Contains(low, "invalid model"))):
		return ErrUnknownModel
	default:
		return ErrRequest
	}
}

func contextTooLong(low string) bool {
	for _, s := range []string{"context_length_exceeded", "maximum context length", "prompt is too long", "context length", "too many tokens", "context window"} {
		if strings.Contains(low, s) {
			return true
		}
	}
	return false
}

// kindForType maps provider error type strings (Anthropic's error.type,
// OpenAI's error.code/type) to a sentinel, or nil when unknown.
func kindForType(typ, msg string) error {
	switch typ {
	case "authentication_error", "permission_error", "invalid_api_key":
		return ErrBadKey
	case "not_found_error", "model_not_found":
		return ErrUnknownModel
	case "rate_limit_error", "rate_limit_exceeded", "insufficient_quota":
		return ErrRateLimited
	case "overloaded_error", "api_error", "server_error":
		return ErrServer
	case "context_length_exceeded", "request_too_large":
		return ErrContextTooLong
	}
	if contextTooLong(strings.ToLower(msg)) {
		return ErrContextTooLong
	}
	return nil
}

// hint says what to do about an error of kind.
func (c *base) hint(kind error, model string, retryAfter time.Duration) string {
	switch kind {
	case ErrBadKey:
		if !c.cred.IsSet() {
			return fmt.Sprintf("no API key is set for %s: run `reasonkit keys set %s` or set %s", c.name, c.name, c.envHint())
		}
		return fmt.Sprintf("the %s key (%s, %s) was refused: set a valid one with `reasonkit keys set %s`", c.name, c.cred.Source(), c.cred.Masked(), c.name)
	case ErrUnknownModel:
		if c.kind == "ollama" {
			return fmt.Sprintf("model %q is not installed: run `ollama pull %s` or choose another model", model, model)
		}
		return fmt.Sprintf("model %q is not available here: check providers.%s.model or pick one from the model list", model, c.name)
	case ErrRateLimited:
		if retryAfter > 0 {
			return fmt.Sprintf("the provider asks to wait %s before trying again", retryAfter.Round(time.Second))
		}
		return "wait a little and try again, or check the account's quota"
	case ErrUnreachable:
		return fmt.Sprintf("check providers.%s.base_url (%s) and that the server is running and reachable", c.name, c.baseURL)
	case ErrContextTooLong:
		return "send less text: fewer passages (retrieval.top_k), a shorter question, or a model with a longer context"
	case ErrStreamCut:
		return "the connection ended before the model finished; try again"
	case ErrTimeout:
		return fmt.Sprintf("no complete answer within %s; raise providers.%s.timeout or try a smaller request", c.timeout, c.name)
	case ErrServer:
		return "the provider had a problem on its side; try again later"
	case ErrBadResponse:
		return fmt.Sprintf("check that providers.%s.kind (%s) matches the server at %s", c.name, c.kind, c.baseURL)
	}
	return ""
}

func (c *base) envHint() string {
	if c.keyEnv != "" {
		return c.keyEnv
	}
	return "the provider's key_env variable"
}

// newError builds an *Error, masking the key in the provider's message.
func (c *base) newError(kind error, status int, msg string, model string, retryAfter time.Duration, cause error) *Error {
	msg = strings.TrimSpace(msg)
	if k := c.cred.ForAuthHeader(); k != "" {
		msg = strings.ReplaceAll(msg, k, c.cred.Masked())
	}
	if len(msg) > 400 {
		msg = msg[:400] + "…"
	}
	return &Error{Provider: c.name, Kind: kind, Status: status, Message: msg, RetryAfter: retryAfter,
		Hint: c.hint(kind, model, retryAfter), Err: cause}
}
