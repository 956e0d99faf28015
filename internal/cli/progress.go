package cli

import (
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/reasonkit/desktop/internal/ingest"
)

// progressPrinter shows indexing progress: a redrawn bar on a terminal,
// occasional plain lines otherwise (logs, CI).
type progressPrinter struct {
	w    io.Writer
	tty  bool
	mu   sync.Mutex
	last time.Time
	// phase last printed, so plain mode announces phase changes once.
	phase string
	drawn bool
}

func (p *progressPrinter) update(pr ingest.Progress) {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := time.Now()
	interval := 100 * time.Millisecond
	if !p.tty {
		interval = 2 * time.Second
	}
	phaseChanged := pr.Phase != p.phase
	if !phaseChanged && now.Sub(p.last) < interval && pr.Phase != ingest.PhaseDone {
		return
	}
	p.last, p.phase = now, pr.Phase
	line := p.render(pr)
	if line == "" {
		return
	}
	if p.tty {
		fmt.Fprintf(p.w, "\r\033[K%s", line)
		p.drawn = true
		if pr.Phase == ingest.PhaseDone {
			p.clear()
		}
		return
	}
	fmt.Fprintln(p.w, line)
}

// clear ends a redrawn line so normal output starts on a fresh line.
func (p *progressPrinter) clear() {
	if p.tty && p.drawn {
		fmt.Fprint(p.w, "\r\033[K")
		p.drawn = false
	}
}

func (p *progressPrinter) render(pr ingest.Progress) string {
	switch pr.Phase {
	case ingest.PhaseScan:
		return "scanning…"
	case ingest.PhaseText:
		return fmt.Sprintf("text   %s %d/%d files  %.1f files/s  ETA %s  %s",
			bar(pr.FilesDone, pr.FilesTotal), pr.FilesDone, pr.FilesTotal, pr.Rate, eta(pr.ETASeconds), short(pr.CurrentFile))
	case ingest.PhaseEmbed:
		return fmt.Sprintf("embed  %s %d/%d chunks  %.1f chunks/s  ETA %s",
			bar(pr.ChunksEmbedded, pr.ChunksTotal), pr.ChunksEmbedded, pr.ChunksTotal, pr.Rate, eta(pr.ETASeconds))
	}
	return ""
}

func bar(done, total int) string {
	const width = 24
	filled := width
	if total > 0 {
		filled = done * width / total
	}
	return "[" + strings.Repeat("#", filled) + strings.Repeat("-", width-filled) + "]"
}

func eta(sec float64) string {
	if sec < 0 {
		return "--"
	}
	return (time.Duration(sec) * time.Second).String()
}

func short(path string) string {
	if path == "" {
		return ""
	}
	return filepath.Base(path)
}
