package store

import (
	"context"
	"fmt"
	"time"

	"github.com/reasonkit/desktop/internal/egress"
)

type runIDKey struct{}

// WithRunID tags outbound requests made under ctx with a run id, so a run's
// "what was sent" view can list exactly its requests.
func WithRunID(ctx context.Context, runID string) context.Context {
	return context.WithValue(ctx, runIDKey{}, runID)
}

// LogOutbound records one outbound request (egress.Logger).
func (s *Store) LogOutbound(ctx context.Context, e egress.Entry) error {
	runID, _ := ctx.Value(runIDKey{}).(string)
	_, err := s.db.ExecContext(context.WithoutCancel(ctx), `INSERT INTO outbound_log
		(time_ns, provider, host, purpose, bytes, body, status, error, run_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		e.Time.UnixNano(), e.Provider, e.Host, e.Purpose, e.Bytes, e.Body, e.Status, e.Err, runID)
	if err != nil {
		return fmt.Errorf("record outbound request: %w", err)
	}
	return nil
}

// OutboundRecord is one stored outbound request.
type OutboundRecord struct {
	ID       int64     `json:"id"`
	Time     time.Time `json:"time"`
	Provider string    `json:"provider"`
	Host     string    `json:"host"`
	Purpose  string    `json:"purpose"`
	Bytes    int       `json:"bytes"`
	Body     string    `json:"body"`
	Status   int       `json:"status"`
	Error    string    `json:"error,omitempty"`
	RunID    string    `json:"run_id,omitempty"`
}

// Outbound lists outbound requests, newest first; runID "" lists all (up to limit).
func (s *Store) Outbound(ctx context.Context, runID string, limit int) ([]OutboundRecord, error) {
	q := `SELECT id, time_ns, provider, host, purpose, bytes, body, status, error, run_id FROM outbound_log`
	args := []any{}
	if runID != "" {
		q += ` WHERE run_id = ?`
		args = append(args, runID)
	}
	q += ` ORDER BY id DESC LIMIT ?`
	args = append(args, limit)
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("list outbound log: %w", err)
	}
	defer rows.Close()
	out := []OutboundRecord{}
	for rows.Next() {
		var r OutboundRecord
		var ns int64
		if err := rows.Scan(&r.ID, &ns, &r.Provider, &r.Host, &r.Purpose, &r.Bytes, &r.Body, &r.Status, &r.Error, &r.RunID); err != nil {
			return nil, err
		}
		r.Time = time.Unix(0, ns)
		out = append(out, r)
	}
	return out, rows.Err()
}
