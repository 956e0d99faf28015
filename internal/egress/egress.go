// Package egress is the single door for every outbound HTTP request to a
// model endpoint (chat and remote embeddings). It enforces HTTPS for every
// host that is not loopback, lets a redaction hook rewrite the body, and
// records the body actually sent in the outbound log. Headers (and with them
// API keys) are never logged. No other package builds its own HTTP client
// for model traffic; a test in this package enforces that.
package egress

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Entry is one outbound request as recorded in the outbound log. It never
// holds headers, so never a key.
type Entry struct {
	Time     time.Time
	Provider string
	Host     string // host[:port] of the URL
	Purpose  string // e.g. "chat", "embed", "list-models"
	Bytes    int    // length of Body
	Body     string // the exact body sent, after redaction
	Status   int    // HTTP status; 0 when no response arrived
	Err      string // transport error, if any (never contains the URL query)
}

// Logger records outbound requests. The store implements it.
type Logger interface {
	LogOutbound(ctx context.Context, e Entry) error
}

// LoggerFunc adapts a function to Logger.
type LoggerFunc func(ctx context.Context, e Entry) error

// LogOutbound calls f.
func (f LoggerFunc) LogOutbound(ctx context.Context, e Entry) error { return f(ctx, e) }

// Redactor may rewrite a request body before it is sent and logged. It is
// the hook the privacy feature plugs into.
type Redactor func(body []byte) []byte

// Request is one outbound request.
type Request struct {
	Provider string // configured provider name, for the log
	Purpose  string // what the request is for, for the log
	Method   string // default POST when Body is set, GET otherwise
	URL      string
	Header   http.Header // may carry auth; never logged
	Body     []byte
}

// ErrInsecureURL is returned (wrapped) for an http:// URL to a host that is
// not loopback, and for any scheme other than http and https.
var ErrInsecureURL = errors.New("refused insecure URL")

// Door sends model requests. It is safe for concurrent use; share one.
type Door struct {
	client *http.Client
	log    Logger
	redact Redactor
	now    func() time.Time
}

// Option configures a Door.
type Option func(*Door)

// WithRedactor installs r; it runs on every request body before sending.
func WithRedactor(r Redactor) Option { return func(d *Door) { d.redact = r } }

// WithProxyFromEnvironment makes the Door honour HTTPS_PROXY/NO_PROXY. By
// default no proxy is used, so request bodies go only where the URL says.
func WithProxyFromEnvironment() Option {
	return func(d *Door) { d.client.Transport.(*http.Transport).Proxy = http.ProxyFromEnvironment }
}

// WithClock replaces time.Now for log timestamps (tests).
func WithClock(now func() time.Time) Option { return func(d *Door) { d.now = now } }

// New returns a Door that records to log (nil: nothing is recorded).
//
// The Door's client has connect, TLS-handshake and idle timeouts but no
// overall deadline: streamed answers can take minutes, so callers bound each
// request with their context. Redirects are never followed (a redirect could
// carry the body and custom auth headers such as x-api-key to another host);
// the 3xx response is returned to the caller instead.
func New(log Logger, opts ...Option) *Door {
	tr := &http.Transport{
		Proxy:                 nil,
		DialContext:           (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          32,
		MaxIdleConnsPerHost:   8,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ExpectContinueTimeout: time.Second,
	}
	d := &Door{
		client: &http.Client{
			Transport: tr,
			CheckRedirect: func(*http.Request, []*http.Request) error {
				return http.ErrUseLastResponse
			},
		},
		log: log,
		now: time.Now,
	}
	for _, o := range opts {
		o(d)
	}
	return d
}

// CheckURL reports whether raw may be used as a model endpoint: https to any
// host, or http to a loopback host (127.0.0.0/8, ::1, localhost). The error
// names the host and says to use https.
func CheckURL(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("%w: %q is not a URL: %v", ErrInsecureURL, raw, err)
	}
	if u.User != nil {
		return nil, fmt.Errorf("%w: the URL for %s carries credentials; keys belong in the keychain (`reasonkit keys set`)", ErrInsecureURL, u.Host)
	}
	switch u.Scheme {
	case "https":
		if u.Hostname() == "" {
			return nil, fmt.Errorf("%w: %q has no host", ErrInsecureURL, raw)
		}
		return u, nil
	case "http":
		if IsLoopback(u.Hostname()) {
			return u, nil
		}
		return nil, fmt.Errorf("%w: http://%s is not a loopback host, so the request would cross the network unencrypted; use https://%s instead", ErrInsecureURL, u.Host, u.Host)
	default:
		return nil, fmt.Errorf("%w: scheme %q for host %s; use https://", ErrInsecureURL, u.Scheme, u.Host)
	}
}

// IsLoopback reports whether host (without port) is localhost or a
// loopback IP address.
func IsLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(strings.Trim(host, "[]"))
	return ip != nil && ip.IsLoopback()
}

// Do sends r and returns the response, whose body the caller must close.
// The URL is checked first (see CheckURL); nothing is sent when it fails.
// The body, after the redaction hook, is what is sent and what is logged.
// If the log cannot be written the response is discarded and an error
// returned, so nothing leaves the machine unrecorded without the caller
// knowing.
func (d *Door) Do(ctx context.Context, r Request) (*http.Response, error) {
	u, err := CheckURL(r.URL)
	if err != nil {
		return nil, err
	}
	body := r.Body
	if d.redact != nil && body != nil {
		body = d.redact(body)
	}
	method := r.Method
	if method == "" {
		method = http.MethodGet
		if body != nil {
			method = http.MethodPost
		}
	}
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, u.String(), rd)
	if err != nil {
		return nil, fmt.Errorf("build request to %s: %v", u.Host, err)
	}
	for k, vs := range r.Header {
		req.Header[k] = append([]string(nil), vs...)
	}
	entry := Entry{Time: d.now(), Provider: r.Provider, Host: u.Host, Purpose: r.Purpose, Bytes: len(body), Body: string(body)}
	resp, err := d.client.Do(req)
	if err != nil {
		err = cleanError(method, u, err)
		entry.Err = err.Error()
	} else {
		entry.Status = resp.StatusCode
	}
	if d.log != nil {
		if lerr := d.log.LogOutbound(context.WithoutCancel(ctx), entry); lerr != nil {
			if resp != nil {
				resp.Body.Close()
			}
			return nil, fmt.Errorf("record outbound request to %s in the outbound log: %w", u.Host, lerr)
		}
	}
	if err != nil {
		return nil, err
	}
	return resp, nil
}

// cleanError rewrites net/http's error, which repeats the full URL, into one
// that names only method, host and path: a query string may carry secrets.
func cleanError(method string, u *url.URL, err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	return &SendError{Method: method, URL: u.Scheme + "://" + u.Host + u.Path, Err: err}
}

// SendError is a request that got no response (refused, reset, DNS failure,
// deadline). It unwraps to the transport error, so errors.Is(err,
// context.DeadlineExceeded) and net.Error checks work.
type SendError struct {
	Method string
	URL    string // scheme, host and path; never the query
	Err    error
}

func (e *SendError) Error() string {
	return fmt.Sprintf("%s %s: %v", e.Method, e.URL, e.Err)
}

// Unwrap returns the transport error.
func (e *SendError) Unwrap() error { return e.Err }
