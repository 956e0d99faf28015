package egress

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// recorder is an outbound log in memory.
type recorder struct {
	mu      sync.Mutex
	entries []Entry
	fail    error
}

func (r *recorder) LogOutbound(_ context.Context, e Entry) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.fail != nil {
		return r.fail
	}
	r.entries = append(r.entries, e)
	return nil
}

// server records what arrives.
type server struct {
	*httptest.Server
	mu     sync.Mutex
	bodies []string
	heads  []http.Header
}

func newServer(t *testing.T, h http.HandlerFunc) *server {
	s := &server{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		s.mu.Lock()
		s.bodies = append(s.bodies, string(b))
		s.heads = append(s.heads, r.Header.Clone())
		s.mu.Unlock()
		if h != nil {
			h(w, r)
			return
		}
		io.WriteString(w, `{"ok":true}`)
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *server) hits() int { s.mu.Lock(); defer s.mu.Unlock(); return len(s.bodies) }

func TestCheckURL(t *testing.T) {
	cases := []struct {
		url     string
		ok      bool
		mention []string
	}{
		{"https://api.openai.com/v1/chat/completions", true, nil},
		{"http://127.0.0.1:11434/api/chat", true, nil},
		{"http://127.8.9.10:8080/v1", true, nil},
		{"http://localhost:1234/v1", true, nil},
		{"http://LOCALHOST/v1", true, nil},
		{"http://[::1]:8080/v1", true, nil},
		{"http://api.example.com/v1/chat/completions", false, []string{"api.example.com", "https://api.example.com"}},
		{"http://192.168.1.20:11434/api/chat", false, []string{"192.168.1.20:11434", "use https"}},
		{"http://localhost.example.com/v1", false, []string{"localhost.example.com"}},
		{"http://[::2]/v1", false, []string{"[::2]"}},
		{"ftp://files.example.com/x", false, []string{"ftp", "https"}},
		{"https://user:pw@api.example.com/v1", false, []string{"credentials", "keychain"}},
		{"https:///nohost", false, []string{"no host"}},
	}
	for _, c := range cases {
		t.Run(c.url, func(t *testing.T) {
			_, err := CheckURL(c.url)
			if c.ok {
				if err != nil {
					t.Fatalf("CheckURL(%q) = %v, want ok", c.url, err)
				}
				return
			}
			if !errors.Is(err, ErrInsecureURL) {
				t.Fatalf("CheckURL(%q) = %v, want ErrInsecureURL", c.url, err)
			}
			for _, m := range c.mention {
				if !strings.Contains(err.Error(), m) {
					t.Errorf("error %q does not mention %q", err, m)
				}
			}
			if strings.Contains(err.Error(), "pw") {
				t.Errorf("error repeats the URL password: %v", err)
			}
		})
	}
}

// An http:// URL to a non-loopback address is refused before anything is
// sent. The server listens on every interface so that, were the request
// sent, it would arrive.
func TestInsecureRequestIsNeverSent(t *testing.T) {
	ln, err := net.Listen("tcp", "0.0.0.0:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &server{}
	s.Server = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.bodies = append(s.bodies, r.URL.Path)
		s.mu.Unlock()
	}))
	s.Listener = ln
	s.Start()
	defer s.Close()
	port := ln.Addr().(*net.TCPAddr).Port

	// Every non-loopback address of this machine, plus a name that is not
	// loopback; "localhost" through 0.0.0.0 proves the server is reachable.
	targets := []string{fmt.Sprintf("http://%s:%d/v1/chat", "0.0.0.0", port)}
	addrs, _ := net.InterfaceAddrs()
	for _, a := range addrs {
		if ipn, ok := a.(*net.IPNet); ok && !ipn.IP.IsLoopback() && ipn.IP.To4() != nil {
			targets = append(targets, fmt.Sprintf("http://%s:%d/v1/chat", ipn.IP, port))
		}
	}
	log := &recorder{}
	d := New(log)
	for _, target := range targets {
		resp, err := d.Do(context.Background(), Request{Provider: "p", Purpose: "chat", URL: target, Body: []byte(`{"secret":"document text"}`)})
		if resp != nil || !errors.Is(err, ErrInsecureURL) {
			t.Fatalf("Do(%s) = %v, %v; want ErrInsecureURL", target, resp, err)
		}
	}
	if s.hits() != 0 || len(log.entries) != 0 {
		t.Fatalf("refused requests reached the server (%d) or the log (%d)", s.hits(), len(log.entries))
	}
	// Control: the same server over loopback does receive requests.
	resp, err := d.Do(context.Background(), Request{URL: fmt.Sprintf("http://localhost:%d/v1/chat", port), Body: []byte("{}")})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if s.hits() != 1 {
		t.Fatalf("control request did not arrive")
	}
}

func TestLogsExactBodyNeverHeaders(t *testing.T) {
	const key = "sk-PLANTED-key-do-not-log-9f8e"
	s := newServer(t, nil)
	log := &recorder{}
	at := time.Date(2025, 3, 4, 5, 6, 7, 0, time.UTC)
	d := New(log, WithClock(func() time.Time { return at }))
	body := []byte(`{"model":"m","messages":[{"role":"user","content":"héllo"}]}`)
	hdr := http.Header{"Authorization": {"Bearer " + key}, "X-Api-Key": {key}, "Content-Type": {"application/json"}}
	resp, err := d.Do(context.Background(), Request{Provider: "openai", Purpose: "chat", URL: s.URL + "/v1/chat/completions?api-version=1", Header: hdr, Body: body})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()

	if got := s.heads[0].Get("Authorization"); got != "Bearer "+key {
		t.Fatalf("server got Authorization %q", got)
	}
	if s.bodies[0] != string(body) {
		t.Fatalf("server got body %q", s.bodies[0])
	}
	want := Entry{Time: at, Provider: "openai", Host: strings.TrimPrefix(s.URL, "http://"), Purpose: "chat",
		Bytes: len(body), Body: string(body), Status: 200}
	if len(log.entries) != 1 || log.entries[0] != want {
		t.Fatalf("log = %+v\nwant %+v", log.entries, want)
	}
	if strings.Contains(fmt.Sprintf("%#v", log.entries), key) {
		t.Fatal("the log entry contains the key")
	}
}

func TestRedactorRewritesWhatIsSentAndLogged(t *testing.T) {
	s := newServer(t, nil)
	log := &recorder{}
	d := New(log, WithRedactor(func(b []byte) []byte {
		return []byte(strings.ReplaceAll(string(b), "alice@example.com", "[email]"))
	}))
	resp, err := d.Do(context.Background(), Request{URL: s.URL, Body: []byte(`{"q":"mail alice@example.com"}`)})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	const want = `{"q":"mail [email]"}`
	if s.bodies[0] != want || log.entries[0].Body != want || log.entries[0].Bytes != len(want) {
		t.Fatalf("sent %q, logged %q (%d bytes); want %q", s.bodies[0], log.entries[0].Body, log.entries[0].Bytes, want)
	}
}

func TestLogFailureFailsTheRequest(t *testing.T) {
	s := newServer(t, nil)
	d := New(&recorder{fail: errors.New("disk full")})
	resp, err := d.Do(context.Background(), Request{URL: s.URL, Body: []byte("{}")})
	if resp != nil || err == nil || !strings.Contains(err.Error(), "outbound log") || !strings.Contains(err.Error(), "disk full") {
		t.Fatalf("Do = %v, %v; want an outbound log error", resp, err)
	}
}

func TestTransportErrorIsLoggedWithoutQuery(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens here now: connection refused
	log := &recorder{}
	d := New(log)
	_, err = d.Do(context.Background(), Request{Provider: "gemini", URL: "http://" + addr + "/v1/models?key=QUERYSECRET"})
	var se *SendError
	if !errors.As(err, &se) {
		t.Fatalf("err = %v, want *SendError", err)
	}
	if strings.Contains(err.Error(), "QUERYSECRET") || strings.Contains(log.entries[0].Err, "QUERYSECRET") {
		t.Fatalf("error or log repeats the query: %v / %q", err, log.entries[0].Err)
	}
	if !strings.Contains(err.Error(), addr) || log.entries[0].Status != 0 || log.entries[0].Err == "" || log.entries[0].Body != "" {
		t.Fatalf("err %v, entry %+v", err, log.entries[0])
	}
}

func TestRedirectsAreNotFollowed(t *testing.T) {
	other := newServer(t, nil)
	s := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, other.URL+"/steal", http.StatusTemporaryRedirect)
	})
	d := New(nil)
	resp, err := d.Do(context.Background(), Request{URL: s.URL, Header: http.Header{"X-Api-Key": {"k"}}, Body: []byte("{}")})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusTemporaryRedirect || other.hits() != 0 {
		t.Fatalf("status %d, other server hits %d; want the 307 returned and nothing forwarded", resp.StatusCode, other.hits())
	}
}

func TestContextCancelsRequest(t *testing.T) {
	release := make(chan struct{})
	s := newServer(t, func(w http.ResponseWriter, r *http.Request) { <-release })
	defer close(release)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err := New(nil).Do(ctx, Request{URL: s.URL, Body: []byte("{}")})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want DeadlineExceeded", err)
	}
}

func TestLeavesMachine(t *testing.T) {
	for u, want := range map[string]bool{
		"http://127.0.0.1:11434":    false,
		"http://localhost:8080/v1":  false,
		"http://[::1]:1234":         false,
		"http://127.evil.example/":  true,
		"https://api.openai.com/v1": true,
		"http://10.0.0.5:11434":     true,
		"not a url":                 true,
	} {
		if got := LeavesMachine(u); got != want {
			t.Errorf("LeavesMachine(%q) = %v, want %v", u, got, want)
		}
	}
}
