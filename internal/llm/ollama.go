package llm

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
)

// ollama speaks Ollama's native API: POST {base}/api/chat streaming NDJSON.
// The base URL is the server root, e.g. http://127.0.0.1:11434. A key is
// optional (sent as a bearer token for servers behind an auth proxy).
type ollama struct{ *base }

type olRequest struct {
	Model    string      `json:"model"`
	Messages []oaMessage `json:"messages"`
	Stream   bool        `json:"stream"`
	Options  struct {
		Temperature float64 `json:"temperature"`
		NumPredict  int     `json:"num_predict,omitempty"`
	} `json:"options"`
}

type olLine struct {
	Model   string `json:"model"`
	Message *struct {
		Content string `json:"content"`
	} `json:"message"`
	Done            bool   `json:"done"`
	DoneReason      string `json:"done_reason"`
	PromptEvalCount int    `json:"prompt_eval_count"`
	EvalCount       int    `json:"eval_count"`
	Error           string `json:"error"`
}

func (c *ollama) header() http.Header {
	h := jsonHeader()
	h.Set("Accept", "application/x-ndjson, application/json")
	if c.cred.IsSet() {
		h.Set("Authorization", "Bearer "+c.cred.ForAuthHeader())
	}
	return h
}

// olErrMessage reads {"error":"..."}.
func olErrMessage(b []byte) (string, string) {
	var v olLine
	if json.Unmarshal(b, &v) != nil {
		return "", ""
	}
	return v.Error, ""
}

// Chat streams a chat reply.
func (c *ollama) Chat(ctx context.Context, req Request, onDelta func(string)) (*Response, error) {
	model, temp, maxTokens, purpose := c.settings(req)
	body := olRequest{Model: model, Stream: true}
	body.Options.Temperature = temp
	body.Options.NumPredict = maxTokens
	if req.System != "" {
		body.Messages = append(body.Messages, oaMessage{Role: RoleSystem, Content: req.System})
	}
	for _, m := range req.Messages {
		body.Messages = append(body.Messages, oaMessage{Role: m.Role, Content: m.Content})
	}
	b, err := json.Marshal(body)
	if err != nil {
		return nil, err
	}
	return c.do(ctx, call{
		purpose: purpose, method: http.MethodPost, url: c.baseURL + "/api/chat", model: model,
		header: c.header(), body: b, errMessage: olErrMessage, parse: c.parse,
	}, onDelta)
}

func (c *ollama) parse(r io.Reader, st *stream) error {
	return readLines(r, func(line []byte) error {
		var l olLine
		if err := json.Unmarshal(line, &l); err != nil {
			return malformed("stream line", line, err)
		}
		if l.Error != "" {
			kind := kindForType("", l.Error)
			if kind == nil {
				kind = ErrServer
			}
			return c.newError(kind, 0, l.Error, st.resp.Model, 0, nil)
		}
		if l.Model != "" {
			st.resp.Model = l.Model
		}
		if l.Message != nil {
			st.delta(l.Message.Content)
		}
		if l.Done {
			st.done = true
			st.resp.FinishReason = l.DoneReason
			st.resp.Usage = Usage{InputTokens: l.PromptEvalCount, OutputTokens: l.EvalCount}
		}
		return nil
	})
}

func olTags(b []byte) ([]string, error) {
	var v struct {
		Models []struct {
			Name string `json:"name"`
		} `json:"models"`
	}
	if err := json.Unmarshal(b, &v); err != nil {
		return nil, err
	}
	ids := make([]string, 0, len(v.Models))
	for _, m := range v.Models {
		ids = append(ids, m.Name)
	}
	return ids, nil
}

// ListModels lists the installed models (GET {base}/api/tags).
func (c *ollama) ListModels(ctx context.Context) ([]string, error) {
	return c.listModels(ctx, "list-models", c.baseURL+"/api/tags", c.header(), olErrMessage, olTags)
}

// TestKey checks that the server answers; Ollama itself needs no key.
func (c *ollama) TestKey(ctx context.Context) error {
	_, err := c.listModels(ctx, "test-key", c.baseURL+"/api/tags", c.header(), olErrMessage, olTags)
	return err
}
