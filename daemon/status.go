package daemon

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/leverbright/leverbright/store"
)

// statusBoard keeps the counters and reload state that /status shows.
type statusBoard struct {
	accepted atomic.Int64
	refused  atomic.Int64
	caught   atomic.Int64

	mu           sync.Mutex
	reloadOK     bool
	reloadErr    string
	reloadAt     time.Time
	loadedAt     time.Time
	needsRestart []string
	links        LinkStatus // counted at linksAt
	linksAt      time.Time
}

func newStatusBoard() *statusBoard { return &statusBoard{reloadOK: true} }

func (s *statusBoard) delivery(ok bool) {
	if ok {
		s.accepted.Add(1)
		return
	}
	s.refused.Add(1)
}

// reloaded records a reload attempt; err nil means the new config is in force.
func (s *statusBoard) reloaded(at time.Time, err error, needsRestart []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.reloadAt = at
	s.reloadOK = err == nil
	s.reloadErr = ""
	if err != nil {
		s.reloadErr = err.Error()
		return
	}
	s.loadedAt = at
	s.needsRestart = needsRestart
}

func (s *statusBoard) lastReloadOK() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.reloadOK
}

// started records when the config in force was loaded: at start.
func (s *statusBoard) started(at time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.loadedAt = at
}

// Status is the daemon's state as /status and `leverbright status` show it.
type Status struct {
	Version    string               `json:"version"`
	Ready      bool                 `json:"ready"`
	Started    time.Time            `json:"started"`
	Uptime     string               `json:"uptime"`
	Config     ConfigStatus         `json:"config"`
	QueueDepth int                  `json:"queue_depth"`
	DeadLetter int                  `json:"dead_letters"`
	Deliveries DeliveryStatus       `json:"deliveries"`
	Links      LinkStatus           `json:"links"`
	Passes     map[string]PassState `json:"passes"`
	Backfill   Progress             `json:"full_sweep"`
	Paused     string               `json:"queue_paused,omitempty"`
}

// ConfigStatus tells whether the config file in force is the one on disk.
type ConfigStatus struct {
	Path         string    `json:"path"`
	LoadedAt     time.Time `json:"loaded_at"`
	LastReload   time.Time `json:"last_reload,omitzero"`
	ReloadOK     bool      `json:"last_reload_ok"`
	ReloadError  string    `json:"last_reload_error,omitempty"`
	NeedsRestart []string  `json:"needs_restart,omitempty"`
}

// DeliveryStatus counts webhook deliveries since start.
type DeliveryStatus struct {
	Accepted int64 `json:"accepted"`
	Refused  int64 `json:"refused"`
}

// LinkStatus counts what the store links.
type LinkStatus struct {
	Interviews          int   `json:"interviews"`
	Tombstones          int   `json:"deleted_interviews"`
	NotesWritten        int   `json:"notes_written"`
	CaughtByReconciling int64 `json:"interviews_caught_by_reconciliation"`
}

// Status reports the daemon's state.
func (d *Daemon) Status() Status {
	now := d.now()
	st := Status{
		Version: Version, Ready: d.Ready(), Started: d.started,
		Uptime:     now.Sub(d.started).Round(time.Second).String(),
		Config:     d.configStatus(),
		Deliveries: DeliveryStatus{Accepted: d.status.accepted.Load(), Refused: d.status.refused.Load()},
		Passes:     d.passes.snapshot(),
		Backfill:   d.passes.sweepProgress(now),
		Paused:     d.pause.why(now),
	}
	st.QueueDepth, _ = d.store.QueueDepth()
	st.DeadLetter, _ = d.store.DeadLetterCount()
	st.Links = d.linkStatus()
	return st
}

func (d *Daemon) configStatus() ConfigStatus {
	s := d.status
	s.mu.Lock()
	defer s.mu.Unlock()
	return ConfigStatus{
		Path: d.Config().Path, LoadedAt: s.loadedAt, LastReload: s.reloadAt,
		ReloadOK: s.reloadOK, ReloadError: s.reloadErr, NeedsRestart: s.needsRestart,
	}
}

// linkCountsMaxAge is how long counted links are reused: counting reads every link, which
// takes a while with a large store, and a monitor may poll /status often.
const linkCountsMaxAge = 5 * time.Second

func (d *Daemon) linkStatus() LinkStatus {
	s := d.status
	s.mu.Lock()
	defer s.mu.Unlock()
	if now := d.now(); now.Sub(s.linksAt) >= linkCountsMaxAge {
		s.links = LinkStatus{}
		s.links.Interviews, s.links.Tombstones, _ = d.store.CountInterviews()
		if counts, err := d.store.CountNotes(); err == nil {
			s.links.NotesWritten = counts[store.NoteWritten] + counts[store.NoteAcked]
		}
		s.linksAt = now
	}
	ls := s.links
	ls.CaughtByReconciling = s.caught.Load()
	return ls
}
