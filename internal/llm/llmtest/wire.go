package llmtest

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// ---- OpenAI chat completions (SSE) ----

func (s *Server) serveOpenAI(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	c := s.record(r, body)
	oaErr := func(status int, typ, code, msg string) {
		writeJSON(w, status, map[string]any{"error": map[string]any{"message": msg, "type": typ, "param": nil, "code": code}})
	}
	if s.script.Key != "" {
		got := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
		if got != s.script.Key {
			// Like the real API, the message repeats the key it was given.
			oaErr(401, "invalid_request_error", "invalid_api_key", fmt.Sprintf("Incorrect API key provided: %s. You can find your API key in your account settings.", got))
			return
		}
	}
	switch {
	case r.Method == http.MethodGet && r.URL.Path == "/v1/models":
		var data []map[string]any
		for _, m := range s.models() {
			data = append(data, map[string]any{"id": m, "object": "model", "created": 1700000000, "owned_by": "llmtest"})
		}
		writeJSON(w, 200, map[string]any{"object": "list", "data": data})
		return
	case r.Method == http.MethodPost && r.URL.Path == "/v1/chat/completions":
	default:
		oaErr(404, "invalid_request_error", "unknown_url", "Unknown request URL: "+r.Method+" "+r.URL.Path)
		return
	}
	if !s.knownModel(c.Model) {
		oaErr(404, "invalid_request_error", "model_not_found", fmt.Sprintf("The model `%s` does not exist or you do not have access to it.", c.Model))
		return
	}
	rep := s.pick(c)
	if !wait(r, rep.Delay.Duration) {
		return
	}
	if rep.RetryAfter != "" {
		w.Header().Set("Retry-After", rep.RetryAfter)
	}
	if rep.Status != 0 && rep.Status != 200 {
		typ := rep.ErrorType
		if typ == "" {
			typ = map[int]string{400: "invalid_request_error", 401: "invalid_request_error", 404: "invalid_request_error",
				429: "rate_limit_exceeded"}[rep.Status]
		}
		oaErr(rep.Status, orDefault(typ, "server_error"), rep.ErrorType, orDefault(rep.Error, http.StatusText(rep.Status)))
		return
	}
	model := orDefault(rep.Model, c.Model)
	in, out := rep.usage(c)
	finish := orDefault(rep.FinishReason, "stop")
	if !c.Stream {
		writeJSON(w, 200, map[string]any{
			"id": "chatcmpl-llmtest", "object": "chat.completion", "created": time.Now().Unix(), "model": model,
			"choices": []any{map[string]any{"index": 0, "message": map[string]any{"role": "assistant", "content": strings.Join(rep.chunks(), "")}, "finish_reason": finish}},
			"usage":   map[string]any{"prompt_tokens": in, "completion_tokens": out, "total_tokens": in + out},
		})
		return
	}
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-cache")
	w.WriteHeader(200)
	send := func(v any) { fmt.Fprintf(w, "data: %s\n\n", mustJSON(v)); flush(w) }
	chunk := func(delta map[string]any, finish any) map[string]any {
		return map[string]any{"id": "chatcmpl-llmtest", "object": "chat.completion.chunk", "created": time.Now().Unix(), "model": model,
			"choices": []any{map[string]any{"index": 0, "delta": delta, "finish_reason": finish}}}
	}
	send(chunk(map[string]any{"role": "assistant", "content": ""}, nil))
	for i, text := range rep.chunks() {
		if rep.CutAfter > 0 && i == rep.CutAfter {
			cut(w)
			return
		}
		if i > 0 && !wait(r, rep.ChunkDelay.Duration) {
			return
		}
		send(chunk(map[string]any{"content": text}, nil))
		if rep.Malformed {
			io.WriteString(w, "data: {\"choices\":[{\"delta\":{\"content\":\"unterminated\n\n")
			return
		}
	}
	if rep.CutAfter > 0 {
		cut(w)
		return
	}
	if rep.StreamError != "" {
		send(map[string]any{"error": map[string]any{"message": rep.StreamError, "type": orDefault(rep.ErrorType, "server_error")}})
		return
	}
	send(chunk(map[string]any{}, finish))
	if strings.Contains(string(c.Body), `"include_usage":true`) {
		send(map[string]any{"id": "chatcmpl-llmtest", "object": "chat.completion.chunk", "model": model, "choices": []any{},
			"usage": map[string]any{"prompt_tokens": in, "completion_tokens": out, "total_tokens": in + out}})
	}
	io.WriteString(w, "data: [DONE]\n\n")
	flush(w)
}

// ---- Anthropic Messages API (SSE with event names) ----

func (s *Server) serveAnthropic(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	c := s.record(r, body)
	anErr := func(status int, typ, msg string) {
		writeJSON(w, status, map[string]any{"type": "error", "error": map[string]any{"type": typ, "message": msg}})
	}
	if s.script.Key != "" && r.Header.Get("x-api-key") != s.script.Key {
		anErr(401, "authentication_error", "invalid x-api-key")
		return
	}
	if r.Header.Get("anthropic-version") == "" {
		anErr(400, "invalid_request_error", "anthropic-version: header is required")
		return
	}
	switch {
	case r.Method == http.MethodGet && r.URL.Path == "/v1/models":
		var data []map[string]any
		for _, m := range s.models() {
			data = append(data, map[string]any{"type": "model", "id": m, "display_name": m, "created_at": "2025-01-01T00:00:00Z"})
		}
		ms := s.models()
		writeJSON(w, 200, map[string]any{"data": data, "has_more": false, "first_id": ms[0], "last_id": ms[len(ms)-1]})
		return
	case r.Method == http.MethodPost && r.URL.Path == "/v1/messages":
	default:
		anErr(404, "not_found_error", "Not found")
		return
	}
	if !s.knownModel(c.Model) {
		anErr(404, "not_found_error", "model: "+c.Model)
		return
	}
	rep := s.pick(c)
	if !wait(r, rep.Delay.Duration) {
		return
	}
	if rep.RetryAfter != "" {
		w.Header().Set("Retry-After", rep.RetryAfter)
	}
	if rep.Status != 0 && rep.Status != 200 {
		typ := rep.ErrorType
		if typ == "" {
			typ = map[int]string{400: "invalid_request_error", 401: "authentication_error", 403: "permission_error",
				404: "not_found_error", 413: "request_too_large", 429: "rate_limit_error", 529: "overloaded_error"}[rep.Status]
		}
		anErr(rep.Status, orDefault(typ, "api_error"), orDefault(rep.Error, http.StatusText(rep.Status)))
		return
	}
	model := orDefault(rep.Model, c.Model)
	in, out := rep.usage(c)
	finish := orDefault(rep.FinishReason, "end_turn")
	if !c.Stream {
		writeJSON(w, 200, map[string]any{"id": "msg_llmtest", "type": "message", "role": "assistant", "model": model,
			"content":     []any{map[string]any{"type": "text", "text": strings.Join(rep.chunks(), "")}},
			"stop_reason": finish, "stop_sequence": nil, "usage": map[string]any{"input_tokens": in, "output_tokens": out}})
		return
	}
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-cache")
	w.WriteHeader(200)
	send := func(event string, v any) { fmt.Fprintf(w, "event: %s\ndata: %s\n\n", event, mustJSON(v)); flush(w) }
	send("message_start", map[string]any{"type": "message_start", "message": map[string]any{
		"id": "msg_llmtest", "type": "message", "role": "assistant", "model": model, "content": []any{},
		"stop_reason": nil, "stop_sequence": nil, "usage": map[string]any{"input_tokens": in, "output_tokens": 1}}})
	send("content_block_start", map[string]any{"type": "content_block_start", "index": 0, "content_block": map[string]any{"type": "text", "text": ""}})
	send("ping", map[string]any{"type": "ping"})
	for i, text := range rep.chunks() {
		if rep.CutAfter > 0 && i == rep.CutAfter {
			cut(w)
			return
		}
		if i > 0 && !wait(r, rep.ChunkDelay.Duration) {
			return
		}
		send("content_block_delta", map[string]any{"type": "content_block_delta", "index": 0, "delta": map[string]any{"type": "text_delta", "text": text}})
		if rep.Malformed {
			io.WriteString(w, "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"delta\":{\n\n")
			return
		}
	}
	if rep.CutAfter > 0 {
		cut(w)
		return
	}
	if rep.StreamError != "" {
		send("error", map[string]any{"type": "error", "error": map[string]any{"type": orDefault(rep.ErrorType, "overloaded_error"), "message": rep.StreamError}})
		return
	}
	send("content_block_stop", map[string]any{"type": "content_block_stop", "index": 0})
	send("message_delta", map[string]any{"type": "message_delta", "delta": map[string]any{"stop_reason": finish, "stop_sequence": nil}, "usage": map[string]any{"output_tokens": out}})
	send("message_stop", map[string]any{"type": "message_stop"})
}

// ---- Ollama native API (NDJSON) ----

func (s *Server) serveOllama(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	c := s.record(r, body)
	olErr := func(status int, msg string) { writeJSON(w, status, map[string]any{"error": msg}) }
	if s.script.Key != "" && r.Header.Get("Authorization") != "Bearer "+s.script.Key {
		olErr(401, "unauthorized")
		return
	}
	switch {
	case r.Method == http.MethodGet && r.URL.Path == "/api/tags":
		var models []map[string]any
		for _, m := range s.models() {
			models = append(models, map[string]any{"name": m, "model": m, "modified_at": "2025-01-01T00:00:00Z", "size": 2019393189, "digest": "llmtest"})
		}
		writeJSON(w, 200, map[string]any{"models": models})
		return
	case r.Method == http.MethodPost && r.URL.Path == "/api/chat":
	default:
		http.NotFound(w, r)
		return
	}
	if !s.knownModel(c.Model) {
		olErr(404, fmt.Sprintf("model '%s' not found", c.Model))
		return
	}
	rep := s.pick(c)
	if !wait(r, rep.Delay.Duration) {
		return
	}
	if rep.RetryAfter != "" {
		w.Header().Set("Retry-After", rep.RetryAfter)
	}
	if rep.Status != 0 && rep.Status != 200 {
		olErr(rep.Status, orDefault(rep.Error, http.StatusText(rep.Status)))
		return
	}
	model := orDefault(rep.Model, c.Model)
	in, out := rep.usage(c)
	final := func(content string) map[string]any {
		return map[string]any{"model": model, "created_at": time.Now().UTC().Format(time.RFC3339Nano),
			"message": map[string]any{"role": "assistant", "content": content}, "done": true,
			"done_reason": orDefault(rep.FinishReason, "stop"), "total_duration": 1000000, "load_duration": 1000,
			"prompt_eval_count": in, "prompt_eval_duration": 1000, "eval_count": out, "eval_duration": 1000}
	}
	if !c.Stream && strings.Contains(string(c.Body), `"stream":false`) {
		writeJSON(w, 200, final(strings.Join(rep.chunks(), "")))
		return
	}
	w.Header().Set("Content-Type", "application/x-ndjson")
	w.WriteHeader(200)
	send := func(v any) { fmt.Fprintf(w, "%s\n", mustJSON(v)); flush(w) }
	for i, text := range rep.chunks() {
		if rep.CutAfter > 0 && i == rep.CutAfter {
			cut(w)
			return
		}
		if i > 0 && !wait(r, rep.ChunkDelay.Duration) {
			return
		}
		send(map[string]any{"model": model, "created_at": time.Now().UTC().Format(time.RFC3339Nano),
			"message": map[string]any{"role": "assistant", "content": text}, "done": false})
		if rep.Malformed {
			io.WriteString(w, "{\"model\":\"x\",\"message\":{\"content\n")
			return
		}
	}
	if rep.CutAfter > 0 {
		cut(w)
		return
	}
	if rep.StreamError != "" {
		send(map[string]any{"error": rep.StreamError})
		return
	}
	send(final(""))
}

func orDefault(v, def string) string {
	if v == "" {
		return def
	}
	return v
}
