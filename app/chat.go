package app

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/reasonkit/desktop/internal/core"
	"github.com/reasonkit/desktop/internal/protocol"
	"github.com/reasonkit/desktop/internal/store"
)

// EventChat carries a chat run's stream ("chat:event", a ChatEvent).
const EventChat = "chat:event"

// deltaInterval is how often streamed text is forwarded: tokens arriving
// faster are joined into one event.
const deltaInterval = 50 * time.Millisecond

// ChatService is the Chat screen's backend: persisted threads, sending a
// message (ask, one protocol or a profile) with streamed events, Stop,
// Markdown export and the outbound log of a run.
type ChatService struct {
	core *core.Core
	host Host

	mu     sync.Mutex
	next   int64
	active map[int64]context.CancelFunc
	wg     sync.WaitGroup
}

// NewChatService returns the service for c.
func NewChatService(c *core.Core, host Host) *ChatService {
	return &ChatService{core: c, host: host, active: map[int64]context.CancelFunc{}}
}

// ChatEvent is one streamed event of a send, identified by its ticket.
type ChatEvent struct {
	Ticket int64       `json:"ticket"`
	ChatID int64       `json:"chat_id"`
	RunID  string      `json:"run_id"`
	Kind   string      `json:"kind"` // run_started | step_started | delta | step_finished | link_skipped | run_finished | error
	Step   *StepView   `json:"step,omitempty"`
	Text   string      `json:"text,omitempty"`
	Run    *RunSummary `json:"run,omitempty"`
	Error  string      `json:"error,omitempty"`
}

// StepView is a protocol step as the chat shows it.
type StepView struct {
	Seq        int      `json:"seq"`
	Protocol   string   `json:"protocol"`
	ID         string   `json:"id"`
	Status     string   `json:"status"`
	Confidence *float64 `json:"confidence"`
	Band       string   `json:"band"`
	Output     string   `json:"output"`
	Error      string   `json:"error,omitempty"`
}

// RunSummary is a finished run: its answer, confidence and citations.
type RunSummary struct {
	ID         string              `json:"run_id"`
	Status     string              `json:"status"`
	Error      string              `json:"error,omitempty"`
	Answer     string              `json:"answer"`
	Confidence *float64            `json:"confidence"`
	Band       string              `json:"band"`
	Citations  []protocol.Citation `json:"citations"`
	Steps      []StepView          `json:"steps"`
}

func stepView(s *protocol.StepResult) *StepView {
	v := &StepView{Seq: s.Seq, Protocol: s.Protocol, ID: s.Step, Status: s.Status, Confidence: s.Confidence, Error: s.Error}
	if s.Confidence != nil {
		v.Band = protocol.Band(*s.Confidence)
	}
	if s.Output != nil {
		v.Output = s.Output.Text
	} else {
		v.Output = s.Reply
	}
	return v
}

func runSummary(r *protocol.Run) *RunSummary {
	out := &RunSummary{ID: r.ID, Status: r.Status, Error: r.Error, Answer: r.Answer, Confidence: r.Confidence,
		Band: r.Band, Citations: r.Citations, Steps: []StepView{}}
	if out.Citations == nil {
		out.Citations = []protocol.Citation{}
	}
	for _, s := range r.Steps {
		out.Steps = append(out.Steps, *stepView(s))
	}
	return out
}

// Threads lists chat threads, most recently updated first.
func (s *ChatService) Threads() ([]store.Chat, error) {
	cs, err := s.core.Chats(context.Background())
	if cs == nil {
		cs = []store.Chat{}
	}
	return cs, err
}

// NewThread starts an empty thread and returns its id.
func (s *ChatService) NewThread() (int64, error) {
	return s.core.CreateChat(context.Background(), "")
}

// Messages returns a thread's messages, oldest first.
func (s *ChatService) Messages(chatID int64) ([]store.ChatMessage, error) {
	ms, err := s.core.ChatMessages(context.Background(), chatID)
	if ms == nil {
		ms = []store.ChatMessage{}
	}
	return ms, err
}

// RenameThread retitles a thread.
func (s *ChatService) RenameThread(chatID int64, title string) error {
	return s.core.RenameChat(context.Background(), chatID, title)
}

// DeleteThread deletes a thread (its runs stay in the audit trail).
func (s *ChatService) DeleteThread(chatID int64) error {
	return s.core.DeleteChat(context.Background(), chatID)
}

// Mode is one choice of the chat's mode picker.
type Mode struct {
	ID          string `json:"id"` // ask | protocol:<id> | profile:<id>
	Label       string `json:"label"`
	Description string `json:"description"`
}

// Modes lists ask, every protocol and every profile.
func (s *ChatService) Modes() []Mode {
	out := []Mode{{ID: "ask", Label: "Ask", Description: "A grounded answer with citations"}}
	reg, _ := s.core.Registry()
	if reg == nil {
		return out
	}
	for _, p := range reg.Protocols() {
		out = append(out, Mode{ID: "protocol:" + p.ID, Label: p.Name, Description: p.Description})
	}
	for _, p := range reg.Profiles() {
		out = append(out, Mode{ID: "profile:" + p.ID, Label: "Profile: " + p.Name, Description: p.Description})
	}
	return out
}

// Send posts a message to a thread and runs it in the background. It
// returns a ticket; the run streams ChatEvents with that ticket and ends
// with run_finished or error. Stop(ticket) cancels it.
func (s *ChatService) Send(chatID int64, req core.ChatRequest) (int64, error) {
	if strings.TrimSpace(req.Text) == "" {
		return 0, fmt.Errorf("the message is empty")
	}
	ctx, cancel := context.WithCancel(context.Background())
	s.mu.Lock()
	s.next++
	ticket := s.next
	s.active[ticket] = cancel
	s.mu.Unlock()
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		defer func() {
			s.mu.Lock()
			delete(s.active, ticket)
			s.mu.Unlock()
			cancel()
		}()
		s.run(ctx, ticket, chatID, req)
	}()
	return ticket, nil
}

func (s *ChatService) run(ctx context.Context, ticket, chatID int64, req core.ChatRequest) {
	var (
		mu      sync.Mutex
		pending strings.Builder
		runID   string
	)
	emit := func(ev ChatEvent) {
		ev.Ticket, ev.ChatID = ticket, chatID
		s.host.Emit(EventChat, ev)
	}
	flush := func() {
		mu.Lock()
		text := pending.String()
		pending.Reset()
		id := runID
		mu.Unlock()
		if text != "" {
			emit(ChatEvent{RunID: id, Kind: string(protocol.EventDelta), Text: text})
		}
	}
	stop := make(chan struct{})
	ticked := make(chan struct{})
	go func() {
		defer close(ticked)
		t := time.NewTicker(deltaInterval)
		defer t.Stop()
		for {
			select {
			case <-t.C:
				flush()
			case <-stop:
				return
			}
		}
	}()
	run, err := s.core.Chat(ctx, chatID, req, func(e protocol.Event) {
		if e.Kind == protocol.EventDelta {
			mu.Lock()
			pending.WriteString(e.Text)
			runID = e.RunID
			mu.Unlock()
			return
		}
		flush() // keep order: text before the step that follows it
		mu.Lock()
		runID = e.RunID
		mu.Unlock()
		ev := ChatEvent{RunID: e.RunID, Kind: string(e.Kind), Text: e.Text}
		switch {
		case e.Result != nil:
			ev.Step = stepView(e.Result)
		case e.Kind == protocol.EventStepStarted:
			ev.Step = &StepView{Protocol: e.Protocol, ID: e.Step, Status: protocol.StatusRunning}
		}
		if e.Run != nil {
			ev.Run = runSummary(e.Run)
		}
		emit(ev)
	})
	close(stop)
	<-ticked
	flush()
	switch {
	case err != nil:
		emit(ChatEvent{RunID: runID, Kind: "error", Error: err.Error()})
	case run != nil:
		emit(ChatEvent{RunID: run.ID, Kind: "finished", Run: runSummary(run)})
	}
}

// Stop cancels a send; it reports whether it was still running.
func (s *ChatService) Stop(ticket int64) bool {
	s.mu.Lock()
	cancel, ok := s.active[ticket]
	s.mu.Unlock()
	if ok {
		cancel()
	}
	return ok
}

// shutdown cancels every send and waits for them to record their state.
func (s *ChatService) shutdown() {
	s.mu.Lock()
	for _, c := range s.active {
		c()
	}
	s.mu.Unlock()
	s.wg.Wait()
}

// Run returns a stored run's summary (for a thread's earlier answers).
func (s *ChatService) Run(runID string) (*RunSummary, error) {
	r, err := s.core.Run(context.Background(), runID)
	if err != nil {
		return nil, err
	}
	return runSummary(r), nil
}

// ExportMarkdown returns a run's full trace as Markdown.
func (s *ChatService) ExportMarkdown(runID string) (string, error) {
	r, err := s.core.Run(context.Background(), runID)
	if err != nil {
		return "", err
	}
	return r.Markdown(), nil
}

// Outbound lists exactly what was sent to model endpoints for a run.
func (s *ChatService) Outbound(runID string) ([]store.OutboundRecord, error) {
	recs, err := s.core.Outbound(context.Background(), runID, 100)
	if recs == nil {
		recs = []store.OutboundRecord{}
	}
	return recs, err
}
