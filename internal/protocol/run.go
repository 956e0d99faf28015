package protocol

import (
	"context"
	"time"

	"github.com/reasonkit/desktop/internal/llm"
)

// Run statuses.
const (
	StatusRunning        = "running"
	StatusCompleted      = "completed"
	StatusFailed         = "failed"
	StatusCancelled      = "cancelled"
	StatusBudgetExceeded = "budget_exceeded"
)

// Step statuses (besides running, failed, cancelled and budget_exceeded).
const (
	StepOK            = "ok"             // reply parsed, confidence at or above the step's minimum
	StepLowConfidence = "low_confidence" // still below min_confidence after the retry
	StepNoConfidence  = "no_confidence"  // the reply had no valid CONFIDENCE line
	StepRetried       = "retried"        // first attempt below min_confidence; a second attempt follows
	StepSkipped       = "skipped"        // branch condition not met or a dependency skipped
)

// Run is one execution of a protocol, a profile or an ask, with its full
// trace. All fields are plain data so a stored run can be rebuilt and
// exported.
type Run struct {
	ID         string            `json:"run_id"`
	Kind       string            `json:"kind"` // "protocol", "profile" or "ask"
	Protocol   string            `json:"protocol,omitempty"`
	Profile    string            `json:"profile,omitempty"`
	Inputs     map[string]string `json:"inputs"`
	Collection string            `json:"collection,omitempty"`
	Provider   string            `json:"provider"`
	Model      string            `json:"model,omitempty"`
	Status     string            `json:"status"`
	Error      string            `json:"error,omitempty"`

	Answer        string   `json:"answer"`
	Confidence    *float64 `json:"confidence"`
	Band          string   `json:"band"`
	MinConfidence *float64 `json:"min_confidence,omitempty"` // the profile's minimum
	Passed        *bool    `json:"passed,omitempty"`         // confidence reached the profile's minimum

	Tokens     llm.Usage `json:"tokens"`
	StartedAt  time.Time `json:"started_at"`
	FinishedAt time.Time `json:"finished_at"`

	Sources          []Source      `json:"sources,omitempty"`
	Citations        []Citation    `json:"citations"`
	InvalidCitations []string      `json:"invalid_citations,omitempty"`
	Links            []*LinkResult `json:"links,omitempty"`
	Steps            []*StepResult `json:"steps"`
	Notes            []string      `json:"notes,omitempty"`
}

// LinkResult is one protocol run inside a run (a profile has one per chain
// link; a single-protocol run or an ask has one).
type LinkResult struct {
	Index       int               `json:"index"`
	Protocol    string            `json:"protocol"`
	Status      string            `json:"status"` // completed, skipped, failed, cancelled, budget_exceeded
	Reason      string            `json:"reason,omitempty"`
	Confidence  *float64          `json:"confidence"`
	Inputs      map[string]string `json:"inputs,omitempty"` // input name -> source used, e.g. "steps.gigathink.synthesize"
	Temperature *float64          `json:"temperature,omitempty"`
	MaxTokens   int               `json:"max_tokens,omitempty"`
}

// StepResult is one attempt at one step: what was sent, what came back and
// how it was judged.
type StepResult struct {
	Seq              int           `json:"seq"` // start order within the run, from 1
	Link             int           `json:"link"`
	Protocol         string        `json:"protocol"`
	Step             string        `json:"id"`
	Action           string        `json:"action"`
	Attempt          int           `json:"attempt"`
	Status           string        `json:"status"`
	System           string        `json:"system,omitempty"`
	Prompt           string        `json:"prompt,omitempty"` // the user message exactly as sent
	Reply            string        `json:"reply,omitempty"`  // raw reply
	Output           *Output       `json:"output,omitempty"`
	Confidence       *float64      `json:"confidence"`
	ConfidenceNote   string        `json:"confidence_note,omitempty"`
	Model            string        `json:"model,omitempty"`
	Temperature      *float64      `json:"temperature,omitempty"`
	MaxTokens        int           `json:"max_tokens,omitempty"`
	Tokens           llm.Usage     `json:"tokens"`
	TokensEstimated  bool          `json:"tokens_estimated,omitempty"`
	StartedAt        time.Time     `json:"started_at"`
	Duration         time.Duration `json:"duration_ns"`
	Error            string        `json:"error,omitempty"`
	Citations        []Citation    `json:"citations,omitempty"`
	InvalidCitations []string      `json:"invalid_citations,omitempty"`
	Notes            []string      `json:"notes,omitempty"`
}

// Retriever finds the passages of a collection that best match a query.
// The lead's search package implements it; Source.N is set by the executor.
type Retriever interface {
	Retrieve(ctx context.Context, collection, query string, k int) ([]Source, error)
}

// Recorder persists a run's trace as it happens. Calls are serialised by
// the executor (never concurrent for one run) and receive a context that is
// not cancelled with the run, so a cancelled run can still be recorded.
// StepStarted and StepFinished get a snapshot of the step; an error from
// any method fails the run.
type Recorder interface {
	RunStarted(ctx context.Context, run *Run) error
	StepStarted(ctx context.Context, runID string, step StepResult) error
	StepFinished(ctx context.Context, runID string, step StepResult) error
	RunFinished(ctx context.Context, run *Run) error
}

// EventKind names a streaming event.
type EventKind string

// Event kinds, in the order a consumer sees them.
const (
	EventRunStarted   EventKind = "run_started"
	EventStepStarted  EventKind = "step_started"
	EventDelta        EventKind = "delta"
	EventStepFinished EventKind = "step_finished"
	EventLinkSkipped  EventKind = "link_skipped"
	EventRunFinished  EventKind = "run_finished"
)

// Event is streamed to the CLI or GUI while a run executes. Events are
// delivered one at a time (never concurrently), in order per step.
type Event struct {
	Kind     EventKind
	RunID    string
	Link     int
	Protocol string
	Step     string
	Attempt  int
	// Text is the streamed text (delta) or the skip reason (link_skipped).
	Text string
	// Result is a snapshot of the step on step_finished.
	Result *StepResult
	// Run is the finished run on run_finished.
	Run *Run
}

// Budget limits a run. Zero means no limit.
type Budget struct {
	// MaxTokens caps input plus output tokens over all steps; the run stops
	// with status budget_exceeded once the total reaches it.
	MaxTokens int
	// MaxDuration caps the run's wall time; in-flight requests are cancelled
	// when it is reached.
	MaxDuration time.Duration
}
