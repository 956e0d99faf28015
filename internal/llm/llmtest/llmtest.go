// Package llmtest serves fake model providers on loopback that speak the
// exact wire formats of OpenAI (and every OpenAI-compatible server),
// Anthropic's Messages API and Ollama's native API, streaming included.
// Tests of anything that calls a model use it instead of a real provider:
//
//	srv := llmtest.NewOpenAI(t, "first answer", "second answer")
//	p := &config.Provider{Kind: "openai-compatible", BaseURL: srv.BaseURL, Model: "fake"}
//	... run the code under test ...
//	calls := srv.Calls() // every request as received: path, headers, body
//
// A Script gives full control: replies in order, replies chosen by what the
// prompt contains (for code that sends requests in parallel), error
// statuses, Retry-After, streams cut off midway, slow servers and malformed
// JSON. Serve starts a server without a *testing.T (for benchmarks and
// harnesses); the fakeprovider command serves a Script from a JSON file.
package llmtest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"
)

// Provider kinds served (the same names as config's provider kinds;
// "openai-compatible" is served exactly like "openai").
const (
	KindOpenAI           = "openai"
	KindOpenAICompatible = "openai-compatible"
	KindAnthropic        = "anthropic"
	KindOllama           = "ollama"
)

// Reply is one scripted answer to a chat request.
type Reply struct {
	// Text is the answer. It is streamed one word per chunk unless Chunks
	// is set, in which case Chunks are streamed as given (Text is ignored).
	Text   string   `json:"text,omitempty"`
	Chunks []string `json:"chunks,omitempty"`
	// Status, when set and not 200, makes the reply an HTTP error in the
	// provider's error format with message Error and type ErrorType.
	Status    int    `json:"status,omitempty"`
	Error     string `json:"error,omitempty"`
	ErrorType string `json:"error_type,omitempty"`
	// RetryAfter is sent as the Retry-After header (e.g. "2").
	RetryAfter string `json:"retry_after,omitempty"`
	// StreamError, when set with Status 0, is sent as an error event in the
	// stream after the chunks (OpenAI data: {"error":...}, Anthropic
	// event: error, Ollama {"error":...}).
	StreamError string `json:"stream_error,omitempty"`
	// CutAfter > 0 drops the connection after that many chunks, without the
	// end-of-stream marker.
	CutAfter int `json:"cut_after,omitempty"`
	// Malformed sends a line that is not JSON after the first chunk and ends
	// the stream.
	Malformed bool `json:"malformed,omitempty"`
	// Delay waits before the response headers; ChunkDelay between chunks.
	Delay      Duration `json:"delay,omitempty"`
	ChunkDelay Duration `json:"chunk_delay,omitempty"`
	// Model overrides the model name reported (default: the requested one).
	Model string `json:"model,omitempty"`
	// FinishReason defaults to "stop" ("end_turn" for Anthropic).
	FinishReason string `json:"finish_reason,omitempty"`
	// InputTokens and OutputTokens are reported as usage (defaults: the
	// number of words in the prompt and the number of chunks).
	InputTokens  int `json:"input_tokens,omitempty"`
	OutputTokens int `json:"output_tokens,omitempty"`
}

// Rule picks a reply by content: it matches when Contains occurs in the
// request's system prompt or any message.
type Rule struct {
	Contains string `json:"contains"`
	Reply    Reply  `json:"reply"`
}

// Script says how the server answers chat requests. For each request the
// first matching Rule wins; otherwise the next unused entry of Replies;
// otherwise Default; otherwise a 500 saying the script ran out. Respond,
// when set, replaces all of that.
type Script struct {
	Replies []Reply `json:"replies,omitempty"`
	Rules   []Rule  `json:"rules,omitempty"`
	Default *Reply  `json:"default,omitempty"`
	// Respond computes each reply (not available from JSON).
	Respond func(Call) Reply `json:"-"`
	// Key, when set, is the only API key accepted (Authorization: Bearer
	// for OpenAI and Ollama, x-api-key for Anthropic); others get a 401.
	Key string `json:"key,omitempty"`
	// Models are listed by the model-list endpoint. When set, a chat
	// request for any other model gets the provider's 404 unknown-model
	// reply. Empty: every model is accepted and the list holds "fake-model".
	Models []string `json:"models,omitempty"`
}

// Call is one request as the server received it.
type Call struct {
	Method string
	Path   string // including the query
	Header http.Header
	Body   []byte
	// Decoded from a chat request body:
	Model    string
	System   string    // system prompt (top-level or system-role messages)
	Messages []Message // non-system messages in order
	Stream   bool
}

// Message is a chat message as received.
type Message struct {
	Role    string `json:"role"`
	Content string `json:"content"`
}

// Prompt is the content of the last user message.
func (c Call) Prompt() string {
	for i := len(c.Messages) - 1; i >= 0; i-- {
		if c.Messages[i].Role == "user" {
			return c.Messages[i].Content
		}
	}
	return ""
}

// Duration is a time.Duration written as "250ms" in JSON.
type Duration struct{ time.Duration }

// UnmarshalJSON reads "250ms" or a number of nanoseconds.
func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return json.Unmarshal(b, &d.Duration)
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return fmt.Errorf("%q is not a duration like \"250ms\"", s)
	}
	d.Duration = v
	return nil
}

// MarshalJSON writes "250ms".
func (d Duration) MarshalJSON() ([]byte, error) { return json.Marshal(d.Duration.String()) }

// Server is a running fake provider.
type Server struct {
	*httptest.Server
	// Kind is the wire format served.
	Kind string
	// BaseURL is what goes into a provider's base_url: URL+"/v1" for
	// OpenAI kinds, URL for Anthropic and Ollama.
	BaseURL string

	script Script
	mu     sync.Mutex
	calls  []Call
	next   int
}

// Calls returns every request received so far, in arrival order.
func (s *Server) Calls() []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Call(nil), s.calls...)
}

// ChatCalls returns only the chat requests.
func (s *Server) ChatCalls() []Call {
	var out []Call
	for _, c := range s.Calls() {
		if c.Method == http.MethodPost {
			out = append(out, c)
		}
	}
	return out
}

// Serve starts a fake provider of kind on 127.0.0.1 (a free port) with
// script. The caller must Close it. It panics on an unknown kind, like
// httptest does when it cannot listen.
func Serve(kind string, script Script) *Server {
	s, err := Listen("127.0.0.1:0", kind, script)
	if err != nil {
		panic(err)
	}
	return s
}

// Listen is Serve on a chosen loopback address such as "127.0.0.1:8089".
func Listen(addr, kind string, script Script) (*Server, error) {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("llmtest: address %q: %v", addr, err)
	}
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return nil, fmt.Errorf("llmtest: address %q is not loopback; a fake provider only listens on this machine", addr)
	}
	s := &Server{Kind: kind, script: script}
	var h http.Handler
	switch kind {
	case KindOpenAI, KindOpenAICompatible:
		h = http.HandlerFunc(s.serveOpenAI)
	case KindAnthropic:
		h = http.HandlerFunc(s.serveAnthropic)
	case KindOllama:
		h = http.HandlerFunc(s.serveOllama)
	default:
		return nil, fmt.Errorf("llmtest: unknown kind %q (want openai, openai-compatible, anthropic or ollama)", kind)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("llmtest: listen on %s: %w", addr, err)
	}
	s.Server = httptest.NewUnstartedServer(h)
	s.Server.Listener.Close()
	s.Server.Listener = ln
	s.Server.Start()
	s.BaseURL = s.URL
	if kind == KindOpenAI || kind == KindOpenAICompatible {
		s.BaseURL = s.URL + "/v1"
	}
	return s, nil
}

// LoadScript reads a Script from a JSON file; unknown fields are errors, so
// a misspelt option is not silently ignored.
func LoadScript(path string) (Script, error) {
	var sc Script
	b, err := os.ReadFile(path)
	if err != nil {
		return sc, fmt.Errorf("read script: %w", err)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&sc); err != nil {
		return sc, fmt.Errorf("script %s: %w", path, err)
	}
	return sc, nil
}

// New starts a fake provider closed when the test ends.
func New(t testing.TB, kind string, script Script) *Server {
	t.Helper()
	s := Serve(kind, script)
	t.Cleanup(s.Close)
	return s
}

// NewOpenAI serves texts as successive OpenAI chat completions.
func NewOpenAI(t testing.TB, texts ...string) *Server { return New(t, KindOpenAI, textScript(texts)) }

// NewAnthropic serves texts as successive Anthropic messages.
func NewAnthropic(t testing.TB, texts ...string) *Server {
	return New(t, KindAnthropic, textScript(texts))
}

// NewOllama serves texts as successive Ollama chat replies.
func NewOllama(t testing.TB, texts ...string) *Server { return New(t, KindOllama, textScript(texts)) }

func textScript(texts []string) Script {
	var sc Script
	for _, t := range texts {
		sc.Replies = append(sc.Replies, Reply{Text: t})
	}
	return sc
}

// record stores the request and decodes a chat body.
func (s *Server) record(r *http.Request, body []byte) Call {
	c := Call{Method: r.Method, Path: r.URL.RequestURI(), Header: r.Header.Clone(), Body: body}
	var v struct {
		Model    string    `json:"model"`
		System   string    `json:"system"`
		Messages []Message `json:"messages"`
		Stream   bool      `json:"stream"`
	}
	if len(body) > 0 && json.Unmarshal(body, &v) == nil {
		c.Model, c.System, c.Stream = v.Model, v.System, v.Stream
		for _, m := range v.Messages {
			if m.Role == "system" {
				c.System = strings.TrimPrefix(c.System+"\n\n"+m.Content, "\n\n")
				continue
			}
			c.Messages = append(c.Messages, m)
		}
	}
	s.mu.Lock()
	s.calls = append(s.calls, c)
	s.mu.Unlock()
	return c
}

// pick chooses the reply for a chat call.
func (s *Server) pick(c Call) Reply {
	if s.script.Respond != nil {
		return s.script.Respond(c)
	}
	all := c.System
	for _, m := range c.Messages {
		all += "\n" + m.Content
	}
	for _, r := range s.script.Rules {
		if strings.Contains(all, r.Contains) {
			return r.Reply
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.next < len(s.script.Replies) {
		s.next++
		return s.script.Replies[s.next-1]
	}
	if s.script.Default != nil {
		return *s.script.Default
	}
	return Reply{Status: 500, ErrorType: "server_error", Error: fmt.Sprintf("llmtest: script exhausted after %d replies", len(s.script.Replies))}
}

// knownModel reports whether model may be used.
func (s *Server) knownModel(model string) bool {
	if len(s.script.Models) == 0 {
		return true
	}
	for _, m := range s.script.Models {
		if m == model {
			return true
		}
	}
	return false
}

func (s *Server) models() []string {
	if len(s.script.Models) == 0 {
		return []string{"fake-model"}
	}
	return s.script.Models
}

// chunks returns what to stream for r.
func (r Reply) chunks() []string {
	if r.Chunks != nil {
		return r.Chunks
	}
	var out []string
	rest := r.Text
	for rest != "" {
		i := strings.IndexByte(rest, ' ')
		if i < 0 {
			out = append(out, rest)
			break
		}
		out = append(out, rest[:i+1])
		rest = rest[i+1:]
	}
	return out
}

func (r Reply) usage(c Call) (in, out int) {
	in, out = r.InputTokens, r.OutputTokens
	if in == 0 {
		in = len(strings.Fields(c.System))
		for _, m := range c.Messages {
			in += len(strings.Fields(m.Content))
		}
	}
	if out == 0 {
		out = len(r.chunks())
	}
	return in, out
}

// wait sleeps d unless the request ends first; it reports whether to go on.
func wait(r *http.Request, d time.Duration) bool {
	if d <= 0 {
		return true
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-r.Context().Done():
		return false
	}
}

// cut drops the connection without finishing the response.
func cut(w http.ResponseWriter) {
	if f, ok := w.(http.Flusher); ok {
		f.Flush()
	}
	if hj, ok := w.(http.Hijacker); ok {
		if conn, _, err := hj.Hijack(); err == nil {
			conn.Close()
			return
		}
	}
	panic(http.ErrAbortHandler)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func flush(w http.ResponseWriter) {
	if f, ok := w.(http.Flusher); ok {
		f.Flush()
	}
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}
