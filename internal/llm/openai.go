package llm

import (
	"context"
	"encoding/json"
	"io"
	"net/http"

	"github.com/reasonkit/desktop/internal/config"
)

// openAI speaks OpenAI's chat completions API, which OpenAI and the
// OpenAI-compatible servers (Groq, Mistral, OpenRouter, DeepSeek, xAI,
// Together, Gemini's compatibility endpoint, LM Studio, llama.cpp, vLLM,
// Ollama under /v1) share. The base URL includes the version path, e.g.
// https://api.openai.com/v1.
type openAI struct{ *base }

type oaMessage struct {
	Role    string `json:"role"`
	Content string `json:"content"`
}

type oaRequest struct {
	Model               string      `json:"model"`
	Messages            []oaMessage `json:"messages"`
	Temperature         float64     `json:"temperature"`
	MaxTokens           int         `json:"max_tokens,omitempty"`
	MaxCompletionTokens int         `json:"max_completion_tokens,omitempty"`
	Stream              bool        `json:"stream"`
	StreamOptions       *struct {
		IncludeUsage bool `json:"include_usage"`
	} `json:"stream_options,omitempty"`
}

type oaError struct {
	Message string          `json:"message"`
	Type    string          `json:"type"`
	Code    json.RawMessage `json:"code"`
}

type oaChunk struct {
	Model   string `json:"model"`
	Choices []struct {
		Delta struct {
			Content string `json:"content"`
		} `json:"delta"`
		FinishReason *string `json:"finish_reason"`
	} `json:"choices"`
	Usage *struct {
		PromptTokens     int `json:"prompt_tokens"`
		CompletionTokens int `json:"completion_tokens"`
	} `json:"usage"`
	Error *oaError `json:"error"`
}

func (c *openAI) header() http.Header {
	h := jsonHeader()
	if c.cred.IsSet() {
		h.Set("Authorization", "Bearer "+c.cred.ForAuthHeader())
	}
	return h
}

// oaErrMessage reads {"error":{"message","type","code"}} (also the bare
// {"error":"..."} some compatible servers send).
func oaErrMessage(b []byte) (string, string) {
	var v struct {
		Error json.RawMessage `json:"error"`
	}
	if json.Unmarshal(b, &v) != nil || len(v.Error) == 0 {
		return "", ""
	}
	var e oaError
	if json.Unmarshal(v.Error, &e) == nil && e.Message != "" {
		typ := e.Type
		var code string
		if json.Unmarshal(e.Code, &code) == nil && code != "" {
			typ = code
		}
		return e.Message, typ
	}
	var s string
	if json.Unmarshal(v.Error, &s) == nil {
		return s, ""
	}
	return "", ""
}

// Chat streams a chat completion.
func (c *openAI) Chat(ctx context.Context, req Request, onDelta func(string)) (*Response, error) {
	model, temp, maxTokens, purpose := c.settings(req)
	body := oaRequest{Model: model, Temperature: temp, Stream: true}
	body.StreamOptions = &struct {
		IncludeUsage bool `json:"include_usage"`
	}{true}
	if c.kind == config.KindOpenAI {
		body.MaxCompletionTokens = maxTokens // OpenAI's reasoning models refuse max_tokens
	} else {
		body.MaxTokens = maxTokens
	}
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
		purpose: purpose, method: http.MethodPost, url: c.baseURL + "/chat/completions", model: model,
		header: c.header(), body: b, errMessage: oaErrMessage, parse: c.parse,
	}, onDelta)
}

func (c *openAI) parse(r io.Reader, st *stream) error {
	finished := false
	err := readSSE(r, func(_ string, data []byte) error {
		if string(data) == "[DONE]" {
			st.done = true
			return nil
		}
		var ch oaChunk
		if err := json.Unmarshal(data, &ch); err != nil {
			return malformed("stream chunk", data, err)
		}
		if ch.Error != nil {
			kind := kindForType(ch.Error.Type, ch.Error.Message)
			if kind == nil {
				kind = ErrServer
			}
			return c.newError(kind, 0, ch.Error.Message, st.resp.Model, 0, nil)
		}
		if ch.Model != "" {
			st.resp.Model = ch.Model
		}
		for _, choice := range ch.Choices {
			st.delta(choice.Delta.Content)
			if choice.FinishReason != nil && *choice.FinishReason != "" {
				st.resp.FinishReason = *choice.FinishReason
				finished = true
			}
		}
		if ch.Usage != nil {
			st.resp.Usage = Usage{InputTokens: ch.Usage.PromptTokens, OutputTokens: ch.Usage.CompletionTokens}
		}
		return nil
	})
	// Some compatible servers omit [DONE]; a finish_reason is as good.
	if err == nil && finished {
		st.done = true
	}
	return err
}

// ListModels lists GET {base}/models.
func (c *openAI) ListModels(ctx context.Context) ([]string, error) {
	return c.listModels(ctx, "list-models", c.baseURL+"/models", c.header(), oaErrMessage, dataIDs)
}

// TestKey lists the models, the cheapest authenticated call.
func (c *openAI) TestKey(ctx context.Context) error {
	_, err := c.listModels(ctx, "test-key", c.baseURL+"/models", c.header(), oaErrMessage, dataIDs)
	return err
}
