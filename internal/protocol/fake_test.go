package protocol

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/reasonkit/desktop/internal/llm"
)

// fakeProvider is a scripted llm.Provider: replies are chosen by the
// request's Purpose ("think:<protocol>/<step>"), streamed in a few deltas.
type fakeProvider struct {
	mu       sync.Mutex
	script   map[string][]string // purpose -> replies in order; the last one repeats
	calls    map[string]int
	conf     map[string]string // protocol id -> confidence written by default replies
	reqs     []llm.Request
	usage    llm.Usage
	delay    time.Duration
	blockOn  string // purpose whose call streams one delta, then waits for cancellation
	failOn   string // purpose whose call returns an error
	active   int
	maxAct   int
	registry *Registry
}

func newFake(t testing.TB) *fakeProvider {
	reg, err := Builtin()
	if err != nil {
		t.Fatal(err)
	}
	return &fakeProvider{script: map[string][]string{}, calls: map[string]int{}, conf: map[string]string{}, usage: llm.Usage{InputTokens: 100, OutputTokens: 50}, registry: reg}
}

func (f *fakeProvider) Name() string { return "fake" }

func (f *fakeProvider) Chat(ctx context.Context, req llm.Request, onDelta func(string)) (*llm.Response, error) {
	f.mu.Lock()
	f.reqs = append(f.reqs, req)
	n := f.calls[req.Purpose]
	f.calls[req.Purpose] = n + 1
	var reply string
	if rs := f.script[req.Purpose]; len(rs) > 0 {
		reply = rs[min(n, len(rs)-1)]
	} else {
		reply = f.defaultReply(req.Purpose)
	}
	f.active++
	if f.active > f.maxAct {
		f.maxAct = f.active
	}
	delay, block, fail := f.delay, f.blockOn == req.Purpose, f.failOn == req.Purpose
	f.mu.Unlock()
	defer func() {
		f.mu.Lock()
		f.active--
		f.mu.Unlock()
	}()
	if fail {
		return nil, fmt.Errorf("server said 500")
	}
	if delay > 0 {
		select {
		case <-time.After(delay):
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	third := len(reply) / 3
	parts := []string{reply[:third], reply[third : 2*third], reply[2*third:]}
	for i, p := range parts {
		if onDelta != nil {
			onDelta(p)
		}
		if block && i == 0 {
			<-ctx.Done()
			return nil, ctx.Err()
		}
	}
	return &llm.Response{Text: reply, Model: "fake-model", FinishReason: "stop", Usage: f.usage}, nil
}

// defaultReply writes a well-formed reply for the step's action, with a
// marker naming the step so tests can follow outputs into later prompts.
func (f *fakeProvider) defaultReply(purpose string) string {
	ref := strings.TrimPrefix(purpose, "think:")
	protoID, stepID, _ := strings.Cut(ref, "/")
	conf := f.conf[protoID]
	if conf == "" {
		conf = "0.8"
	}
	action := ActAnalyze
	if p := f.registry.Lookup(protoID); p != nil {
		if s := p.Step(stepID); s != nil {
			action = s.Action.Type
		}
	}
	return scriptedReply(action, "marker:"+ref, conf)
}

func scriptedReply(action, marker, conf string) string {
	var body string
	switch action {
	case ActGenerate, ActCritique, ActCrossReference:
		body = "1. first " + marker + "\n2. second point\n3. third point\n4. fourth point\n5. fifth point"
	case ActValidate:
		body = "- premises entail the conclusion: PASS - " + marker + "\n- premises are true: FAIL - one premise is unsupported"
	case ActDecide:
		body = "DECISION: Verified\nRATIONALE: three sources agree, " + marker
	default:
		body = "Analysis " + marker + ".\nIt has two lines."
	}
	return body + "\nCONFIDENCE: " + conf
}

func (f *fakeProvider) requests(purpose string) []llm.Request {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []llm.Request
	for _, r := range f.reqs {
		if r.Purpose == purpose {
			out = append(out, r)
		}
	}
	return out
}

// fakeRetriever returns fixed passages.
type fakeRetriever struct {
	sources []Source
	gotK    int
	gotQ    string
}

func (r *fakeRetriever) Retrieve(ctx context.Context, collection, query string, k int) ([]Source, error) {
	r.gotK, r.gotQ = k, query
	out := append([]Source(nil), r.sources...)
	return out, nil
}

// memRecorder keeps every recorder call in order.
type memRecorder struct {
	mu     sync.Mutex
	events []string
	steps  []StepResult
	final  *Run
}

func (m *memRecorder) RunStarted(ctx context.Context, run *Run) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.events = append(m.events, "run_started:"+run.Status)
	return nil
}

func (m *memRecorder) StepStarted(ctx context.Context, runID string, s StepResult) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.events = append(m.events, fmt.Sprintf("step_started:%s/%s#%d", s.Protocol, s.Step, s.Attempt))
	return nil
}

func (m *memRecorder) StepFinished(ctx context.Context, runID string, s StepResult) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.events = append(m.events, fmt.Sprintf("step_finished:%s/%s#%d:%s", s.Protocol, s.Step, s.Attempt, s.Status))
	m.steps = append(m.steps, s)
	return nil
}

func (m *memRecorder) RunFinished(ctx context.Context, run *Run) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if ctx.Err() != nil {
		return ctx.Err()
	}
	m.events = append(m.events, "run_finished:"+run.Status)
	m.final = run
	return nil
}
