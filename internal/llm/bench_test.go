package llm

import (
	"bufio"
	"bytes"
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/reasonkit/desktop/internal/llm/llmtest"
)

// BenchmarkFirstToken measures the time to the first streamed text through
// the client (egress door, outbound log in memory, JSON and SSE/NDJSON
// parsing) against a raw HTTP client reading the same loopback fake that
// streams immediately. The difference of the ttft-µs metrics is what the
// client adds; ns/op covers the whole five-chunk answer.
func BenchmarkFirstToken(b *testing.B) {
	reply := llmtest.Reply{Text: "alpha beta gamma delta epsilon"}
	for _, kind := range []string{"openai", "anthropic", "ollama"} {
		b.Run(kind+"/raw", func(b *testing.B) {
			srv := llmtest.New(b, kind, llmtest.Script{Default: &reply})
			url, body, marker := rawRequest(kind, srv.BaseURL)
			client := &http.Client{}
			var ttft time.Duration
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				start := time.Now()
				req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("anthropic-version", AnthropicVersion)
				resp, err := client.Do(req)
				if err != nil {
					b.Fatal(err)
				}
				sc := bufio.NewScanner(resp.Body)
				first := false
				for sc.Scan() {
					if !first && bytes.Contains(sc.Bytes(), marker) {
						ttft += time.Since(start)
						first = true
					}
				}
				resp.Body.Close()
				if !first {
					b.Fatal("no text streamed")
				}
			}
			b.ReportMetric(float64(ttft.Microseconds())/float64(b.N), "ttft-µs")
		})
		b.Run(kind+"/client", func(b *testing.B) {
			f := newFixture(b, kind, llmtest.Script{Default: &reply}, "sk-bench-key-000000000")
			req := Request{Messages: []Message{{Role: RoleUser, Content: "hi"}}}
			var ttft time.Duration
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				resp, err := f.client.Chat(context.Background(), req, nil)
				if err != nil {
					b.Fatal(err)
				}
				ttft += resp.FirstToken
			}
			b.ReportMetric(float64(ttft.Microseconds())/float64(b.N), "ttft-µs")
		})
	}
}

// rawRequest is the body a minimal hand-written client would send, and a
// byte string that marks the first streamed text.
func rawRequest(kind, base string) (url string, body, marker []byte) {
	switch kind {
	case "anthropic":
		return base + "/v1/messages", []byte(`{"model":"fake-model","max_tokens":256,"messages":[{"role":"user","content":"hi"}],"stream":true}`), []byte(`"text_delta"`)
	case "ollama":
		return base + "/api/chat", []byte(`{"model":"fake-model","messages":[{"role":"user","content":"hi"}],"stream":true}`), []byte(`"content":"alpha`)
	}
	return base + "/chat/completions", []byte(`{"model":"fake-model","messages":[{"role":"user","content":"hi"}],"stream":true}`), []byte(`"content":"alpha`)
}
