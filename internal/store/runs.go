package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/reasonkit/desktop/internal/llm"
	"github.com/reasonkit/desktop/internal/protocol"
)

// RunRecorder persists run traces as they happen (protocol.Recorder).
type RunRecorder struct{ s *Store }

// Runs returns the store's run recorder.
func (s *Store) Runs() *RunRecorder { return &RunRecorder{s: s} }

var _ protocol.Recorder = (*RunRecorder)(nil)

func runName(r *protocol.Run) string {
	switch {
	case r.Profile != "":
		return r.Profile
	case r.Protocol != "":
		return r.Protocol
	default:
		return r.Kind
	}
}

func runQuery(r *protocol.Run) string {
	for _, k := range []string{"query", "argument", "statement", "claim", "work"} {
		if v := r.Inputs[k]; v != "" {
			return v
		}
	}
	return ""
}

// RunStarted inserts the run.
func (rr *RunRecorder) RunStarted(ctx context.Context, r *protocol.Run) error {
	trace, err := json.Marshal(r)
	if err != nil {
		return err
	}
	_, err = rr.s.db.ExecContext(ctx, `INSERT INTO runs (id, kind, name, query, collection, provider, model, status, started_ns, trace_json)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		r.ID, r.Kind, runName(r), runQuery(r), r.Collection, r.Provider, r.Model, r.Status, r.StartedAt.UnixNano(), string(trace))
	if err != nil {
		return fmt.Errorf("record run %s: %w", r.ID, err)
	}
	return nil
}

// StepStarted inserts a step row.
func (rr *RunRecorder) StepStarted(ctx context.Context, runID string, st protocol.StepResult) error {
	_, err := rr.s.db.ExecContext(ctx, `INSERT INTO run_steps (run_id, seq, link, protocol, step, attempt, status, system_prompt, prompt, started_ns)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		runID, st.Seq, st.Link, st.Protocol, st.Step, st.Attempt, st.Status, st.System, st.Prompt, st.StartedAt.UnixNano())
	if err != nil {
		return fmt.Errorf("record step %s/%s: %w", st.Protocol, st.Step, err)
	}
	return nil
}

// StepFinished updates a step row with its reply and verdict.
func (rr *RunRecorder) StepFinished(ctx context.Context, runID string, st protocol.StepResult) error {
	out := ""
	if st.Output != nil {
		b, err := json.Marshal(st.Output)
		if err != nil {
			return err
		}
		out = string(b)
	}
	_, err := rr.s.db.ExecContext(ctx, `UPDATE run_steps SET status = ?, system_prompt = ?, prompt = ?, reply = ?, output_json = ?,
		confidence = ?, input_tokens = ?, output_tokens = ?, duration_ns = ?, error = ? WHERE run_id = ? AND seq = ?`,
		st.Status, st.System, st.Prompt, st.Reply, out, st.Confidence, st.Tokens.InputTokens, st.Tokens.OutputTokens,
		int64(st.Duration), st.Error, runID, st.Seq)
	if err != nil {
		return fmt.Errorf("record step %s/%s: %w", st.Protocol, st.Step, err)
	}
	return nil
}

// RunFinished stores the final run and its whole trace.
func (rr *RunRecorder) RunFinished(ctx context.Context, r *protocol.Run) error {
	trace, err := json.Marshal(r)
	if err != nil {
		return err
	}
	var cost *float64
	if c, ok := llm.EstimateCost(r.Model, r.Tokens); ok {
		cost = &c
	}
	_, err = rr.s.db.ExecContext(ctx, `UPDATE runs SET status = ?, error = ?, confidence = ?, band = ?, model = ?,
		input_tokens = ?, output_tokens = ?, cost_usd = ?, finished_ns = ?, trace_json = ? WHERE id = ?`,
		r.Status, r.Error, r.Confidence, r.Band, r.Model, r.Tokens.InputTokens, r.Tokens.OutputTokens, cost,
		r.FinishedAt.UnixNano(), string(trace), r.ID)
	if err != nil {
		return fmt.Errorf("record run %s: %w", r.ID, err)
	}
	return nil
}

// RunSummary is one line of the audit trail.
type RunSummary struct {
	ID         string    `json:"run_id"`
	Kind       string    `json:"kind"`
	Name       string    `json:"name"`
	Query      string    `json:"query"`
	Collection string    `json:"collection,omitempty"`
	Provider   string    `json:"provider"`
	Model      string    `json:"model"`
	Status     string    `json:"status"`
	Confidence *float64  `json:"confidence"`
	Band       string    `json:"band"`
	Tokens     llm.Usage `json:"tokens"`
	CostUSD    *float64  `json:"cost_usd,omitempty"`
	StartedAt  time.Time `json:"started_at"`
	Steps      int       `json:"steps"`
}

// ListRuns returns the newest runs first.
func (s *Store) ListRuns(ctx context.Context, limit int) ([]RunSummary, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, kind, name, query, collection, provider, model, status, confidence, band,
		input_tokens, output_tokens, cost_usd, started_ns, (SELECT count(*) FROM run_steps st WHERE st.run_id = runs.id)
		FROM runs ORDER BY started_ns DESC LIMIT ?`, limit)
	if err != nil {
		return nil, fmt.Errorf("list runs: %w", err)
	}
	defer rows.Close()
	out := []RunSummary{}
	for rows.Next() {
		var r RunSummary
		var started int64
		if err := rows.Scan(&r.ID, &r.Kind, &r.Name, &r.Query, &r.Collection, &r.Provider, &r.Model, &r.Status, &r.Confidence,
			&r.Band, &r.Tokens.InputTokens, &r.Tokens.OutputTokens, &r.CostUSD, &started, &r.Steps); err != nil {
			return nil, err
		}
		r.StartedAt = time.Unix(0, started)
		out = append(out, r)
	}
	return out, rows.Err()
}

// LoadRun rebuilds a run's full trace. The step rows are authoritative for
// steps (they are written as the run goes), so a run interrupted by a crash
// still shows every step that started.
func (s *Store) LoadRun(ctx context.Context, id string) (*protocol.Run, error) {
	var trace string
	err := s.db.QueryRowContext(ctx, `SELECT trace_json FROM runs WHERE id = ?`, id).Scan(&trace)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("run %s: %w (see `reasonkit runs list`)", id, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("run %s: %w", id, err)
	}
	var r protocol.Run
	if err := json.Unmarshal([]byte(trace), &r); err != nil {
		return nil, fmt.Errorf("run %s: stored trace is unreadable: %w", id, err)
	}
	if len(r.Steps) == 0 {
		steps, err := s.loadSteps(ctx, id)
		if err != nil {
			return nil, err
		}
		r.Steps = steps
	}
	return &r, nil
}

func (s *Store) loadSteps(ctx context.Context, id string) ([]*protocol.StepResult, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT seq, link, protocol, step, attempt, status, system_prompt, prompt, reply, output_json,
		confidence, input_tokens, output_tokens, duration_ns, started_ns, error FROM run_steps WHERE run_id = ? ORDER BY seq`, id)
	if err != nil {
		return nil, fmt.Errorf("run %s steps: %w", id, err)
	}
	defer rows.Close()
	var out []*protocol.StepResult
	for rows.Next() {
		st := &protocol.StepResult{}
		var output string
		var dur, started int64
		if err := rows.Scan(&st.Seq, &st.Link, &st.Protocol, &st.Step, &st.Attempt, &st.Status, &st.System, &st.Prompt, &st.Reply,
			&output, &st.Confidence, &st.Tokens.InputTokens, &st.Tokens.OutputTokens, &dur, &started, &st.Error); err != nil {
			return nil, err
		}
		st.Duration, st.StartedAt = time.Duration(dur), time.Unix(0, started)
		if output != "" {
			st.Output = &protocol.Output{}
			if err := json.Unmarshal([]byte(output), st.Output); err != nil {
				return nil, fmt.Errorf("run %s step %d: %w", id, st.Seq, err)
			}
		}
		out = append(out, st)
	}
	return out, rows.Err()
}
