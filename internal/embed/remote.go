package embed

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/reasonkit/desktop/internal/egress"
	"github.com/reasonkit/desktop/internal/secrets"
)

// Remote embeds text through an HTTP embeddings API: Ollama's /api/embed or
// an OpenAI-compatible /embeddings endpoint. Every request goes through the
// egress door, so what leaves the machine is in the outbound log.
type Remote struct {
	kind    string // "ollama" or "openai"
	baseURL string
	model   string
	dim     int
	cred    secrets.Credential
	door    *egress.Door
}

// NewOllama returns an embedder for an Ollama server (base URL such as
// http://127.0.0.1:11434). dim must be the model's vector size.
func NewOllama(door *egress.Door, baseURL, model string, dim int) (*Remote, error) {
	return newRemote("ollama", door, baseURL, model, dim, secrets.Credential{})
}

// NewOpenAI returns an embedder for an OpenAI-compatible API (base URL such
// as https://api.openai.com/v1). When dim is set it is also sent as the
// "dimensions" parameter, which text-embedding-3 models honour.
func NewOpenAI(door *egress.Door, baseURL, model string, dim int, cred secrets.Credential) (*Remote, error) {
	return newRemote("openai", door, baseURL, model, dim, cred)
}

func newRemote(kind string, door *egress.Door, baseURL, model string, dim int, cred secrets.Credential) (*Remote, error) {
	if model == "" {
		return nil, fmt.Errorf("%s embedder: [embedding] model is empty; name the embedding model to use", kind)
	}
	if dim <= 0 {
		return nil, fmt.Errorf("%s embedder: [embedding] dimensions must be the model's vector size (e.g. 768)", kind)
	}
	if _, err := egress.CheckURL(baseURL); err != nil {
		return nil, fmt.Errorf("%s embedder: [embedding] base_url: %w", kind, err)
	}
	return &Remote{kind: kind, baseURL: strings.TrimRight(baseURL, "/"), model: model, dim: dim, cred: cred, door: door}, nil
}

// Dim is the configured vector size.
func (r *Remote) Dim() int { return r.dim }

// ID names backend, model and size.
func (r *Remote) ID() string { return fmt.Sprintf("%s:%s@%d", r.kind, r.model, r.dim) }

// Embed sends texts in one request and checks every vector's size.
func (r *Remote) Embed(ctx context.Context, texts []string) ([][]float32, error) {
	if len(texts) == 0 {
		return nil, nil
	}
	var (
		url  string
		body any
	)
	header := http.Header{"Content-Type": {"application/json"}}
	switch r.kind {
	case "ollama":
		url = r.baseURL + "/api/embed"
		body = map[string]any{"model": r.model, "input": texts}
	default:
		url = r.baseURL + "/embeddings"
		req := map[string]any{"model": r.model, "input": texts, "encoding_format": "float"}
		if strings.HasPrefix(r.model, "text-embedding-3") {
			req["dimensions"] = r.dim
		}
		body = req
		if r.cred.IsSet() {
			header.Set("Authorization", "Bearer "+r.cred.ForAuthHeader())
		}
	}
	payload, err := json.Marshal(body)
	if err != nil {
		return nil, err
	}
	resp, err := r.door.Do(ctx, egress.Request{Provider: r.kind, Purpose: "embed", URL: url, Header: header, Body: payload})
	if err != nil {
		return nil, fmt.Errorf("%s embeddings: %w", r.kind, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 256<<20))
	if err != nil {
		return nil, fmt.Errorf("%s embeddings: read reply: %w", r.kind, err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%s embeddings: %s", r.kind, describeHTTPError(resp.StatusCode, raw, r.model))
	}
	var vecs [][]float32
	switch r.kind {
	case "ollama":
		var out struct {
			Embeddings [][]float32 `json:"embeddings"`
		}
		if err := json.Unmarshal(raw, &out); err != nil {
			return nil, fmt.Errorf("ollama embeddings: malformed reply: %w", err)
		}
		vecs = out.Embeddings
	default:
		var out struct {
			Data []struct {
				Index     int       `json:"index"`
				Embedding []float32 `json:"embedding"`
			} `json:"data"`
		}
		if err := json.Unmarshal(raw, &out); err != nil {
			return nil, fmt.Errorf("openai embeddings: malformed reply: %w", err)
		}
		vecs = make([][]float32, len(out.Data))
		for _, d := range out.Data {
			if d.Index < 0 || d.Index >= len(out.Data) {
				return nil, fmt.Errorf("openai embeddings: reply index %d out of range", d.Index)
			}
			vecs[d.Index] = d.Embedding
		}
	}
	if len(vecs) != len(texts) {
		return nil, fmt.Errorf("%s embeddings: sent %d texts, got %d vectors", r.kind, len(texts), len(vecs))
	}
	for i, v := range vecs {
		if len(v) != r.dim {
			return nil, fmt.Errorf("%s embeddings: model %s returns %d dimensions but [embedding] dimensions = %d; set it to %d",
				r.kind, r.model, len(v), r.dim, len(v))
		}
		Normalize(vecs[i])
	}
	return vecs, nil
}

// describeHTTPError turns an error reply into a sentence a person can act on.
func describeHTTPError(status int, body []byte, model string) string {
	var e struct {
		Error any `json:"error"`
	}
	msg := ""
	if json.Unmarshal(body, &e) == nil {
		switch v := e.Error.(type) {
		case string:
			msg = v
		case map[string]any:
			if m, ok := v["message"].(string); ok {
				msg = m
			}
		}
	}
	if msg == "" {
		msg = strings.TrimSpace(string(bytes.TrimSpace(body)))
		if len(msg) > 200 {
			msg = msg[:200] + "…"
		}
	}
	switch status {
	case http.StatusUnauthorized, http.StatusForbidden:
		return fmt.Sprintf("the server refused the key (HTTP %d): %s; check it with `reasonkit keys test`", status, msg)
	case http.StatusNotFound:
		return fmt.Sprintf("model %q not found (HTTP 404): %s; pull or name an installed embedding model", model, msg)
	default:
		return fmt.Sprintf("HTTP %d: %s", status, msg)
	}
}
