package llm

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/reasonkit/desktop/internal/config"
	"github.com/reasonkit/desktop/internal/egress"
	"github.com/reasonkit/desktop/internal/secrets"
)

// Client is a Provider that can also list its models and check its key.
type Client interface {
	Provider
	// Model is the configured default model.
	Model() string
	// ListModels returns the model ids the endpoint offers, sorted.
	ListModels(ctx context.Context) ([]string, error)
	// TestKey makes the cheapest authenticated call (listing models): nil
	// means the key works; otherwise an *Error matching ErrBadKey,
	// ErrUnreachable, ErrTimeout, ... .
	TestKey(ctx context.Context) error
}

// RetryPolicy says how failed requests are retried. A request is retried
// only on 429, 5xx (and Anthropic's 529) or a stream that ended before any
// text, and only while no text has been passed to onDelta.
type RetryPolicy struct {
	Attempts      int           // total tries including the first (default 3)
	BaseDelay     time.Duration // first backoff, doubled each time (default 500ms)
	MaxDelay      time.Duration // cap of the exponential backoff (default 8s)
	MaxRetryAfter time.Duration // longest Retry-After honoured; longer means give up now (default 30s)
}

// DefaultRetry is the policy used unless WithRetry says otherwise.
var DefaultRetry = RetryPolicy{Attempts: 3, BaseDelay: 500 * time.Millisecond, MaxDelay: 8 * time.Second, MaxRetryAfter: 30 * time.Second}

// DefaultTimeout bounds one Chat call (all attempts) when the provider's
// config has no timeout.
const DefaultTimeout = 120 * time.Second

// Option configures a client.
type Option func(*base)

// WithRetry replaces DefaultRetry.
func WithRetry(p RetryPolicy) Option { return func(c *base) { c.retry = p } }

// WithSleep replaces the wait between retries (tests pass one that records
// the delay and returns at once). It must return ctx.Err() if ctx ends.
func WithSleep(sleep func(ctx context.Context, d time.Duration) error) Option {
	return func(c *base) { c.sleep = sleep }
}

// WithTimeout overrides the provider's configured timeout.
func WithTimeout(d time.Duration) Option { return func(c *base) { c.timeout = d } }

// New builds the client for provider name configured as p, sending through
// door and authenticating with cred (which may be empty for local servers).
// p.Kind selects the wire format: "openai" and "openai-compatible" speak
// OpenAI chat completions, "anthropic" the Messages API, "ollama" Ollama's
// native /api/chat. The base URL must pass egress.CheckURL.
func New(name string, p *config.Provider, cred secrets.Credential, door *egress.Door, opts ...Option) (Client, error) {
	if p == nil {
		return nil, fmt.Errorf("provider %q is not configured: add [providers.%s] to config.toml", name, name)
	}
	if door == nil {
		return nil, fmt.Errorf("provider %s: no egress door given", name)
	}
	if _, err := egress.CheckURL(p.BaseURL); err != nil {
		return nil, fmt.Errorf("providers.%s.base_url: %w", name, err)
	}
	c := &base{
		name: name, kind: p.Kind, baseURL: strings.TrimRight(p.BaseURL, "/"), model: p.Model,
		temperature: p.Temperature, maxTokens: p.MaxTokens, timeout: p.Timeout.Duration, keyEnv: p.KeyEnv,
		cred: cred, door: door, retry: DefaultRetry, sleep: sleepCtx,
	}
	if c.timeout <= 0 {
		c.timeout = DefaultTimeout
	}
	for _, o := range opts {
		o(c)
	}
	if c.retry.Attempts < 1 {
		c.retry.Attempts = 1
	}
	switch p.Kind {
	case config.KindOpenAI, config.KindOpenAICompatible:
		return &openAI{c}, nil
	case config.KindAnthropic:
		return &anthropic{c}, nil
	case config.KindOllama:
		return &ollama{c}, nil
	}
	return nil, fmt.Errorf("providers.%s.kind: %q is not one of openai, anthropic, ollama, openai-compatible", name, p.Kind)
}

// base holds what every wire format shares: config, credential, the door
// and the retry loop.
type base struct {
	name, kind, baseURL, model string
	temperature                float64
	maxTokens                  int
	timeout                    time.Duration
	keyEnv                     string
	cred                       secrets.Credential
	door                       *egress.Door
	retry                      RetryPolicy
	sleep                      func(context.Context, time.Duration) error
}

func (c *base) Name() string  { return c.name }
func (c *base) Model() string { return c.model }

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// settings resolves per-request values against the provider defaults.
func (c *base) settings(req Request) (model string, temp float64, maxTokens int, purpose string) {
	model, temp, maxTokens, purpose = req.Model, c.temperature, req.MaxTokens, req.Purpose
	if model == "" {
		model = c.model
	}
	if req.Temperature != nil {
		temp = *req.Temperature
	}
	if maxTokens <= 0 {
		maxTokens = c.maxTokens
	}
	if purpose == "" {
		purpose = "chat"
	}
	return
}

// stream is the state of one attempt: what was streamed and counted.
type stream struct {
	onDelta  func(string)
	start    time.Time
	text     strings.Builder
	resp     Response
	streamed bool
	done     bool // the provider's end-of-answer marker was seen
}

func (s *stream) delta(t string) {
	if t == "" {
		return
	}
	if !s.streamed {
		s.streamed = true
		s.resp.FirstToken = time.Since(s.start)
	}
	s.text.WriteString(t)
	if s.onDelta != nil {
		s.onDelta(t)
	}
}

// call is one HTTP exchange to make, with how to read a 200 reply.
type call struct {
	purpose, method, url, model string
	header                      http.Header
	body                        []byte
	listing                     bool
	// parse reads a successful body into st. It returns an *Error for
	// provider errors inside the stream; other errors are read failures.
	parse func(r io.Reader, st *stream) error
	// errMessage extracts the provider's message and error type from an
	// error body.
	errMessage func(body []byte) (msg, typ string)
}

// do runs cl with the timeout and retry policy. onDelta receives text as it
// arrives; once any text has been delivered nothing is retried.
func (c *base) do(ctx context.Context, cl call, onDelta func(string)) (*Response, error) {
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	start := time.Now()
	for attempt := 1; ; attempt++ {
		st := &stream{onDelta: onDelta, start: start}
		err := c.once(ctx, cl, st)
		if err == nil {
			st.resp.Text = st.text.String()
			st.resp.Latency = time.Since(start)
			if st.resp.Model == "" {
				st.resp.Model = cl.model
			}
			return &st.resp, nil
		}
		if st.streamed || attempt >= c.retry.Attempts || !retryable(err) {
			return nil, err
		}
		wait := c.backoff(attempt)
		var e *Error
		if errors.As(err, &e) && e.RetryAfter > 0 {
			if e.RetryAfter > c.retry.MaxRetryAfter {
				return nil, err // the hint already says how long to wait
			}
			wait = e.RetryAfter
		}
		if serr := c.sleep(ctx, wait); serr != nil {
			return nil, c.ctxError(ctx, serr, cl.model)
		}
	}
}

// backoff is BaseDelay*2^(attempt-1) capped at MaxDelay, with ±20% jitter.
func (c *base) backoff(attempt int) time.Duration {
	d := c.retry.BaseDelay << (attempt - 1)
	if d <= 0 || d > c.retry.MaxDelay {
		d = c.retry.MaxDelay
	}
	j := time.Duration(float64(d) * (0.8 + 0.4*rand.Float64()))
	return j
}

// ctxError turns a context ending into ErrTimeout (our deadline or the
// caller's) or passes cancellation through unchanged.
func (c *base) ctxError(ctx context.Context, err error, model string) error {
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return c.newError(ErrTimeout, 0, "", model, 0, context.DeadlineExceeded)
	}
	if errors.Is(err, context.Canceled) || errors.Is(ctx.Err(), context.Canceled) {
		return fmt.Errorf("%s: %w", c.name, context.Canceled)
	}
	return err
}

func (c *base) once(ctx context.Context, cl call, st *stream) error {
	resp, err := c.door.Do(ctx, egress.Request{Provider: c.name, Purpose: cl.purpose, Method: cl.method, URL: cl.url, Header: cl.header, Body: cl.body})
	if err != nil {
		if ctx.Err() != nil {
			return c.ctxError(ctx, err, cl.model)
		}
		if errors.Is(err, egress.ErrInsecureURL) {
			return err
		}
		var se *egress.SendError
		if errors.As(err, &se) {
			return c.newError(ErrUnreachable, 0, "", cl.model, 0, err)
		}
		return err // outbound log failure: say so as is
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
		msg, typ := "", ""
		if cl.errMessage != nil {
			msg, typ = cl.errMessage(body)
		}
		if msg == "" {
			msg = strings.TrimSpace(string(body))
			if !isText(msg) {
				msg = ""
			}
		}
		kind := kindForStatus(resp.StatusCode, msg, cl.listing)
		// The provider's error type refines only a generic 4xx.
		if k := kindForType(typ, msg); k != nil && kind == ErrRequest && !(cl.listing && k == ErrUnknownModel) {
			kind = k
		}
		if resp.StatusCode >= 300 && resp.StatusCode < 400 {
			msg = "unexpected redirect to " + resp.Header.Get("Location") + " (redirects are never followed)"
		}
		return c.newError(kind, resp.StatusCode, msg, cl.model, retryAfter(resp.Header), nil)
	}
	err = cl.parse(resp.Body, st)
	var e *Error
	switch {
	case err == nil && !st.done:
		return c.newError(ErrStreamCut, 0, fmt.Sprintf("the stream ended after %d characters without the end-of-answer marker", st.text.Len()), cl.model, 0, nil)
	case err == nil:
		return nil
	case errors.As(err, &e):
		return err
	case ctx.Err() != nil:
		return c.ctxError(ctx, err, cl.model)
	case errors.Is(err, errMalformed):
		return c.newError(ErrBadResponse, 0, err.Error(), cl.model, 0, nil)
	default: // connection reset, unexpected EOF while reading
		return c.newError(ErrStreamCut, 0, fmt.Sprintf("after %d characters: %v", st.text.Len(), err), cl.model, 0, err)
	}
}

var errMalformed = errors.New("malformed")

// malformed wraps a decode error of one stream line.
func malformed(what string, line []byte, err error) error {
	if len(line) > 120 {
		line = append(line[:120:120], "…"...)
	}
	return fmt.Errorf("%w %s %q: %v", errMalformed, what, line, err)
}

func isText(s string) bool {
	return s != "" && !strings.ContainsAny(s[:min(len(s), 200)], "\x00") && !strings.HasPrefix(s, "<")
}

// retryAfter reads Retry-After (seconds or HTTP date) or retry-after-ms.
func retryAfter(h http.Header) time.Duration {
	if ms := h.Get("Retry-After-Ms"); ms != "" {
		if n, err := strconv.ParseFloat(ms, 64); err == nil && n > 0 {
			return time.Duration(n * float64(time.Millisecond))
		}
	}
	v := h.Get("Retry-After")
	if v == "" {
		return 0
	}
	if n, err := strconv.ParseFloat(v, 64); err == nil && n > 0 {
		return time.Duration(n * float64(time.Second))
	}
	if t, err := http.ParseTime(v); err == nil {
		if d := time.Until(t); d > 0 {
			return d
		}
	}
	return 0
}

// jsonHeader returns the headers every JSON POST carries.
func jsonHeader() http.Header {
	return http.Header{"Content-Type": {"application/json"}, "Accept": {"application/json, text/event-stream"}}
}

// listCall builds a GET for a model list whose reply is decoded by decode.
func (c *base) listCall(purpose, url string, header http.Header, decode func([]byte) ([]string, error), out *[]string) call {
	return call{
		purpose: purpose, method: http.MethodGet, url: url, header: header, listing: true,
		parse: func(r io.Reader, st *stream) error {
			b, err := io.ReadAll(io.LimitReader(r, 16<<20))
			if err != nil {
				return err
			}
			ids, err := decode(b)
			if err != nil {
				return malformed("model list", b, err)
			}
			sort.Strings(ids)
			*out = ids
			st.done = true
			return nil
		},
	}
}

func (c *base) listModels(ctx context.Context, purpose, url string, header http.Header, errMsg func([]byte) (string, string), decode func([]byte) ([]string, error)) ([]string, error) {
	var ids []string
	cl := c.listCall(purpose, url, header, decode, &ids)
	cl.errMessage = errMsg
	if _, err := c.do(ctx, cl, nil); err != nil {
		return nil, err
	}
	if ids == nil {
		ids = []string{}
	}
	return ids, nil
}

// dataIDs decodes {"data":[{"id":...}]} (OpenAI and Anthropic model lists;
// "data": null counts as empty).
func dataIDs(b []byte) ([]string, error) {
	var v struct {
		Data []struct {
			ID string `json:"id"`
		} `json:"data"`
	}
	if err := json.Unmarshal(b, &v); err != nil {
		return nil, err
	}
	ids := make([]string, 0, len(v.Data))
	for _, d := range v.Data {
		ids = append(ids, d.ID)
	}
	return ids, nil
}
