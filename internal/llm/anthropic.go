package llm

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
)

// AnthropicVersion is the Messages API version sent in anthropic-version.
const AnthropicVersion = "2023-06-01"

// anthropicDefaultMaxTokens is used when neither the request nor the config
// sets max_tokens, which the Messages API requires.
const anthropicDefaultMaxTokens = 4096

// anthropic speaks the Messages API: POST {base}/v1/messages with x-api-key.
// The base URL has no version path, e.g. https://api.anthropic.com.
type anthropic struct{ *base }

type anRequest struct {
	Model       string      `json:"model"`
	MaxTokens   int         `json:"max_tokens"`
	System      string      `json:"system,omitempty"`
	Messages    []oaMessage `json:"messages"`
	Temperature float64     `json:"temperature"`
	Stream      bool        `json:"stream"`
}

type anUsage struct {
	InputTokens  int `json:"input_tokens"`
	OutputTokens int `json:"output_tokens"`
}

type anEvent struct {
	Type    string `json:"type"`
	Message *struct {
		Model string  `json:"model"`
		Usage anUsage `json:"usage"`
	} `json:"message"`
	Delta *struct {
		Type       string `json:"type"`
		Text       string `json:"text"`
		StopReason string `json:"stop_reason"`
	} `json:"delta"`
	Usage *anUsage `json:"usage"`
	Error *struct {
		Type    string `json:"type"`
		Message string `json:"message"`
	} `json:"error"`
}

func (c *anthropic) header() http.Header {
	h := jsonHeader()
	h.Set("anthropic-version", AnthropicVersion)
	if c.cred.IsSet() {
		h.Set("x-api-key", c.cred.ForAuthHeader())
	}
	return h
}

// anErrMessage reads {"type":"error","error":{"type","message"}}.
func anErrMessage(b []byte) (string, string) {
	var v anEvent
	if json.Unmarshal(b, &v) != nil || v.Error == nil {
		return "", ""
	}
	return v.Error.Message, v.Error.Type
}

// Chat streams a message. System-role messages are folded into the
// top-level system field, which is where the Messages API wants them.
func (c *anthropic) Chat(ctx context.Context, req Request, onDelta func(string)) (*Response, error) {
	model, temp, maxTokens, purpose := c.settings(req)
	if maxTokens <= 0 {
		maxTokens = anthropicDefaultMaxTokens
	}
	body := anRequest{Model: model, MaxTokens: maxTokens, Temperature: min(temp, 1), Stream: true}
	system := []string{}
	if req.System != "" {
		system = append(system, req.System)
	}
	for _, m := range req.Messages {
		if m.Role == RoleSystem {
			system = append(system, m.Content)
			continue
		}
		body.Messages = append(body.Messages, oaMessage{Role: m.Role, Content: m.Content})
	}
	body.System = strings.Join(system, "\n\n")
	b, err := json.Marshal(body)
	if err != nil {
		return nil, err
	}
	return c.do(ctx, call{
		purpose: purpose, method: http.MethodPost, url: c.baseURL + "/v1/messages", model: model,
		header: c.header(), body: b, errMessage: anErrMessage, parse: c.parse,
	}, onDelta)
}

func (c *anthropic) parse(r io.Reader, st *stream) error {
	return readSSE(r, func(event string, data []byte) error {
		var ev anEvent
		if err := json.Unmarshal(data, &ev); err != nil {
			return malformed("event "+event, data, err)
		}
		switch ev.Type {
		case "message_start":
			if ev.Message != nil {
				st.resp.Model = ev.Message.Model
				st.resp.Usage.InputTokens = ev.Message.Usage.InputTokens
				st.resp.Usage.OutputTokens = ev.Message.Usage.OutputTokens
			}
		case "content_block_delta":
			if ev.Delta != nil && ev.Delta.Type == "text_delta" {
				st.delta(ev.Delta.Text)
			}
		case "message_delta":
			if ev.Delta != nil && ev.Delta.StopReason != "" {
				st.resp.FinishReason = anStopReason(ev.Delta.StopReason)
			}
			if ev.Usage != nil {
				if ev.Usage.InputTokens > 0 {
					st.resp.Usage.InputTokens = ev.Usage.InputTokens
				}
				st.resp.Usage.OutputTokens = ev.Usage.OutputTokens
			}
		case "message_stop":
			st.done = true
		case "error":
			msg, typ := "", ""
			if ev.Error != nil {
				msg, typ = ev.Error.Message, ev.Error.Type
			}
			kind := kindForType(typ, msg)
			if kind == nil {
				kind = ErrServer
			}
			return c.newError(kind, 0, msg, st.resp.Model, 0, nil)
		}
		return nil // ping, content_block_start/stop and future events
	})
}

// anStopReason maps Anthropic's stop reasons to the OpenAI-style names
// Response.FinishReason uses.
func anStopReason(s string) string {
	switch s {
	case "end_turn", "stop_sequence":
		return "stop"
	case "max_tokens":
		return "length"
	}
	return s
}

// ListModels lists GET {base}/v1/models (first 1000).
func (c *anthropic) ListModels(ctx context.Context) ([]string, error) {
	return c.listModels(ctx, "list-models", c.baseURL+"/v1/models?limit=1000", c.header(), anErrMessage, dataIDs)
}

// TestKey lists the models, which needs a valid key and costs nothing.
func (c *anthropic) TestKey(ctx context.Context) error {
	_, err := c.listModels(ctx, "test-key", c.baseURL+"/v1/models?limit=1", c.header(), anErrMessage, dataIDs)
	return err
}
