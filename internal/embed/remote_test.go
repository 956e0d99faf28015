package embed

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/reasonkit/desktop/internal/egress"
	"github.com/reasonkit/desktop/internal/secrets"
)

// fakeEmbedServer speaks Ollama's /api/embed and OpenAI's /embeddings.
func fakeEmbedServer(t *testing.T, dim int) (*httptest.Server, *[]string) {
	var mu sync.Mutex
	var auth []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		auth = append(auth, r.Header.Get("Authorization"))
		mu.Unlock()
		var req struct {
			Model string   `json:"model"`
			Input []string `json:"input"`
		}
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
			http.Error(w, `{"error":"bad json"}`, 400)
			return
		}
		if req.Model == "missing" {
			w.WriteHeader(404)
			w.Write([]byte(`{"error":"model 'missing' not found"}`))
			return
		}
		vec := func(s string) []float32 {
			v := make([]float32, dim)
			v[len(s)%dim] = 3
			return v
		}
		switch r.URL.Path {
		case "/api/embed":
			var out struct {
				Embeddings [][]float32 `json:"embeddings"`
			}
			for _, s := range req.Input {
				out.Embeddings = append(out.Embeddings, vec(s))
			}
			json.NewEncoder(w).Encode(out)
		case "/v1/embeddings":
			type item struct {
				Object    string    `json:"object"`
				Index     int       `json:"index"`
				Embedding []float32 `json:"embedding"`
			}
			var data []item
			for i := len(req.Input) - 1; i >= 0; i-- { // out of order on purpose
				data = append(data, item{"embedding", i, vec(req.Input[i])})
			}
			json.NewEncoder(w).Encode(map[string]any{"object": "list", "data": data, "model": req.Model})
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	return srv, &auth
}

func TestRemoteEmbedders(t *testing.T) {
	srv, _ := fakeEmbedServer(t, 4)
	var logged []egress.Entry
	door := egress.New(egress.LoggerFunc(func(_ context.Context, e egress.Entry) error {
		logged = append(logged, e)
		return nil
	}))
	ol, err := NewOllama(door, srv.URL, "nomic-embed-text", 4)
	if err != nil {
		t.Fatal(err)
	}
	oa, err := NewOpenAI(door, srv.URL+"/v1", "text-embedding-3-small", 4, testCredential(t))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range []Embedder{ol, oa} {
		vecs, err := e.Embed(context.Background(), []string{"a", "bb"})
		if err != nil {
			t.Fatalf("%s: %v", e.ID(), err)
		}
		if len(vecs) != 2 || vecs[0][1] != 1 || vecs[1][2] != 1 {
			t.Fatalf("%s: vectors out of order or not normalised: %v", e.ID(), vecs)
		}
	}
	if len(logged) != 2 || !strings.Contains(logged[1].Body, `"dimensions":4`) || logged[0].Purpose != "embed" {
		t.Fatalf("outbound log = %+v", logged)
	}
	if ol.ID() != "ollama:nomic-embed-text@4" {
		t.Fatalf("id = %s", ol.ID())
	}
}

func TestRemoteEmbedderErrors(t *testing.T) {
	srv, _ := fakeEmbedServer(t, 4)
	door := egress.New(nil)
	missing, _ := NewOllama(door, srv.URL, "missing", 4)
	if _, err := missing.Embed(context.Background(), []string{"x"}); err == nil || !strings.Contains(err.Error(), `model "missing" not found`) {
		t.Fatalf("unknown model error = %v", err)
	}
	wrongDim, _ := NewOllama(door, srv.URL, "nomic-embed-text", 8)
	if _, err := wrongDim.Embed(context.Background(), []string{"x"}); err == nil || !strings.Contains(err.Error(), "set it to 4") {
		t.Fatalf("dimension error = %v", err)
	}
	if _, err := NewOpenAI(door, "http://api.example.com/v1", "m", 4, testCredential(t)); err == nil {
		t.Fatal("plain http to a remote host was accepted")
	}
	if _, err := NewOllama(door, srv.URL, "", 4); err == nil {
		t.Fatal("empty model accepted")
	}
}

const testKey = "sk-test-embed-0123456789abcdef"

// testCredential resolves a key the way the app does, from the environment.
func testCredential(t *testing.T) secrets.Credential {
	t.Helper()
	kc := secrets.New(func(k string) string {
		if k == "OPENAI_API_KEY" {
			return testKey
		}
		return ""
	})
	cred, err := kc.Get("openai", "OPENAI_API_KEY")
	if err != nil || !cred.IsSet() {
		t.Fatalf("credential from env: %v", err)
	}
	return cred
}

func TestOpenAIEmbedderSendsKeyOnlyInHeader(t *testing.T) {
	srv, auth := fakeEmbedServer(t, 4)
	var logged []egress.Entry
	door := egress.New(egress.LoggerFunc(func(_ context.Context, e egress.Entry) error {
		logged = append(logged, e)
		return nil
	}))
	oa, _ := NewOpenAI(door, srv.URL+"/v1", "text-embedding-3-small", 4, testCredential(t))
	if _, err := oa.Embed(context.Background(), []string{"hello"}); err != nil {
		t.Fatal(err)
	}
	if (*auth)[0] != "Bearer "+testKey {
		t.Fatalf("auth header = %q", (*auth)[0])
	}
	for _, e := range logged {
		if strings.Contains(e.Body, testKey) || strings.Contains(e.Err, testKey) {
			t.Fatal("key leaked into the outbound log")
		}
	}
}
