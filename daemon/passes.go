package daemon

import (
	"context"
	"errors"
	"sync"
	"time"
)

// Names of the scheduled passes.
const (
	passReconcile  = "reconcile"
	passFullResync = "full_resync"
	passNotes      = "notes"
)

// ErrPassRunning is returned when a pass is asked to start while it is still running.
var ErrPassRunning = errors.New("pass already running")

// PassState is what /status shows of one pass.
type PassState struct {
	Running   bool      `json:"running"`
	LastStart time.Time `json:"last_start,omitzero"`
	LastEnd   time.Time `json:"last_end,omitzero"`
	LastOK    time.Time `json:"last_success,omitzero"`
	Duration  string    `json:"duration,omitempty"`
	Result    string    `json:"result,omitempty"`
	Found     int       `json:"found"`
	Skipped   int       `json:"skipped_while_running"`
}

// Progress is a full sweep's progress through the work it queued.
type Progress struct {
	Running  bool    `json:"running"`
	Done     int     `json:"done"`
	Total    int     `json:"total"`
	Rate     float64 `json:"per_second"`
	TimeLeft string  `json:"time_left,omitempty"`
}

// passes keeps each pass from overlapping itself and records how each went.
type passes struct {
	mu    sync.Mutex
	state map[string]*PassState
	wg    sync.WaitGroup

	sweepID    int64
	sweepDone  int
	sweepTotal int
	sweepStart time.Time
	sweepEnd   time.Time // when the last item was done
}

func (p *passes) init() {
	p.state = map[string]*PassState{passReconcile: {}, passFullResync: {}, passNotes: {}}
}

// begin marks a pass running, or reports that it already is.
func (p *passes) begin(name string, now time.Time) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	s := p.state[name]
	if s.Running {
		s.Skipped++
		return false
	}
	s.Running, s.LastStart = true, now
	p.wg.Add(1)
	return true
}

// end records a pass's outcome.
func (p *passes) end(name string, now time.Time, found int, err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	s := p.state[name]
	s.Running, s.LastEnd, s.Found = false, now, found
	s.Duration = now.Sub(s.LastStart).Round(time.Millisecond).String()
	s.Result = "ok"
	if err != nil {
		s.Result = err.Error()
	} else {
		s.LastOK = now
	}
	p.wg.Done()
}

// wait blocks until no pass runs.
func (p *passes) wait() { p.wg.Wait() }

// snapshot copies every pass's state.
func (p *passes) snapshot() map[string]PassState {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make(map[string]PassState, len(p.state))
	for k, v := range p.state {
		out[k] = *v
	}
	return out
}

// startSweep begins counting a full sweep's work and returns its id.
func (p *passes) startSweep(now time.Time) int64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.sweepID = now.UnixNano()
	p.sweepDone, p.sweepTotal, p.sweepStart, p.sweepEnd = 0, 0, now, time.Time{}
	return p.sweepID
}

func (p *passes) addSweepTotal(id int64, n int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if id == p.sweepID {
		p.sweepTotal += n
	}
}

// progress counts one item of sweep id finished at now.
func (p *passes) progress(id int64, now time.Time) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if id != p.sweepID {
		return
	}
	p.sweepDone++
	if p.sweepDone >= p.sweepTotal {
		p.sweepEnd = now
	}
}

// sweepProgress reports the current sweep's progress at now.
func (p *passes) sweepProgress(now time.Time) Progress {
	p.mu.Lock()
	defer p.mu.Unlock()
	pr := Progress{Done: p.sweepDone, Total: p.sweepTotal, Running: p.sweepID != 0 && p.sweepDone < p.sweepTotal}
	if !pr.Running && !p.sweepEnd.IsZero() {
		now = p.sweepEnd
	}
	if elapsed := now.Sub(p.sweepStart).Seconds(); elapsed > 0 && p.sweepDone > 0 {
		pr.Rate = float64(p.sweepDone) / elapsed
		left := time.Duration(float64(p.sweepTotal-p.sweepDone) / pr.Rate * float64(time.Second))
		pr.TimeLeft = left.Round(time.Second).String()
	}
	return pr
}

// runPass runs fn as pass name unless it is already running; a skipped run is logged and counted.
func (d *Daemon) runPass(ctx context.Context, name string, fn func(context.Context) (int, error)) error {
	if !d.passes.begin(name, d.now()) {
		d.log.Warn("pass still running, this run skipped", "pass", name)
		d.metrics.passSkipped(name)
		return ErrPassRunning
	}
	start := d.now()
	found, err := fn(ctx)
	d.passes.end(name, d.now(), found, err)
	d.metrics.passDone(name, d.now().Sub(start), err)
	if err != nil && ctx.Err() != nil {
		d.log.Info("pass stopped by shutdown", "pass", name)
		return err
	}
	var oe *outageError
	switch {
	case errors.As(err, &oe):
		d.notePause(err)
		d.log.Warn("pass failed, brighthire unreachable; the next run tries again", "pass", name, "err", err)
		return err
	case err != nil:
		d.log.Error("pass failed", "pass", name, "err", err)
		return err
	}
	d.log.Info("pass done", "pass", name, "found", found,
		"took", d.now().Sub(start).Round(time.Millisecond).String())
	return nil
}
