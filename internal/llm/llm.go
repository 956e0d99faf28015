// Package llm talks to chat models. Each client speaks one provider's wire
// format and sends every request through the egress package; none of them
// reads keys itself: a credential is handed in when the client is built.
package llm

import (
	"context"
	"time"
)

// Role of a chat message.
const (
	RoleSystem    = "system"
	RoleUser      = "user"
	RoleAssistant = "assistant"
)

// Message is one turn of a conversation.
type Message struct {
	Role    string `json:"role"`
	Content string `json:"content"`
}

// Request is one chat completion request, provider-neutral.
type Request struct {
	Model       string    // empty: the provider's configured model
	System      string    // system prompt (sent the way the provider expects)
	Messages    []Message // user/assistant turns
	Temperature *float64  // nil: provider default from config
	MaxTokens   int       // 0: provider default from config
	Purpose     string    // recorded in the outbound log, e.g. "think:gigathink/identify_dimensions"
}

// Usage counts tokens as reported by the provider.
type Usage struct {
	InputTokens  int `json:"input_tokens"`
	OutputTokens int `json:"output_tokens"`
}

// Response is the complete result of a chat request.
type Response struct {
	Text         string
	Model        string // the model that answered
	FinishReason string // "stop", "length", ...
	Usage        Usage
	Latency      time.Duration // until the last byte
	FirstToken   time.Duration // until the first streamed text
}

// Provider is a chat model endpoint.
type Provider interface {
	// Name is the configured provider name, e.g. "openai" or "local-llama".
	Name() string
	// Chat sends req and streams text deltas to onDelta (which may be nil) as
	// they arrive, then returns the whole response.
	Chat(ctx context.Context, req Request, onDelta func(text string)) (*Response, error)
}
