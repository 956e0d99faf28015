package protocol

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/reasonkit/desktop/internal/llm"
)

// askTOML is the built-in single-step protocol behind `reasonkit ask` and
// the GUI chat. It is not listed with the ThinkTools.
const askTOML = `
id          = "ask"
name        = "Ask"
version     = "1.0.0"
description = "One grounded answer with citations"
strategy    = "analytical"

[input]
required = ["question"]
optional = ["context"]

[[steps]]
id     = "answer"
action = { type = "synthesize", aggregation = "grounded_answer" }
prompt_template = """
{{#if context}}Passages from the user's documents:
{{context}}

Answer the question below from these passages. Cite the passages you use as [S1], [S2]...
right after the sentence they support. If the passages do not contain the answer, say so
plainly instead of guessing.{{else}}No passages from the user's documents were supplied.
Answer the question below from general knowledge, and say that the answer is not grounded
in their documents.{{/if}}

Question:
{{question}}
"""
`

var (
	askOnce  sync.Once
	askProto *Protocol
	askErr   error
)

func askProtocol() (*Protocol, error) {
	askOnce.Do(func() {
		p, errs := ParseProtocol("builtin:ask", []byte(askTOML))
		if len(errs) > 0 {
			askErr = errs
			return
		}
		p.Builtin = true
		askProto = p
	})
	return askProto, askErr
}

// AskSpec is one grounded question.
type AskSpec struct {
	RunID      string
	Question   string
	Collection string
	TopK       int
	// History holds earlier chat turns (user and assistant), oldest first;
	// they are sent before the new question.
	History     []llm.Message
	Model       string
	Temperature *float64
	MaxTokens   int
	Budget      Budget
}

// Ask answers one question grounded in a collection, with citations
// checked against the passages supplied. The run has kind "ask" and one
// step; errors follow Execute's rules.
func Ask(ctx context.Context, spec AskSpec, deps Deps) (*Run, error) {
	if deps.Provider == nil {
		return nil, errors.New("ask: no LLM provider configured; set one up with `reasonkit keys set` and config.toml")
	}
	if spec.Question == "" {
		return nil, errors.New("ask: the question is empty")
	}
	p, err := askProtocol()
	if err != nil {
		return nil, fmt.Errorf("ask: built-in prompt: %w", err)
	}
	rs := RunSpec{RunID: spec.RunID, Collection: spec.Collection, TopK: spec.TopK, Model: spec.Model,
		Temperature: spec.Temperature, MaxTokens: spec.MaxTokens, Budget: spec.Budget}
	inputs := map[string]string{"question": spec.Question}
	r := newRun(rs, deps, inputs)
	r.Kind, r.Protocol = "ask", p.ID
	e := newExecutor(ctx, rs, deps, r)
	defer e.cancel(nil)
	if err := e.start(); err != nil {
		return nil, err
	}
	if err = e.retrieve(spec.Question); err == nil {
		err = e.runLinks([]*Link{{Protocol: p.ID, proto: p}}, inputs, spec.History)
	}
	return e.finish(err)
}
