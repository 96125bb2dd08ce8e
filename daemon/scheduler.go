package daemon

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/leverbright/leverbright/config"
	"github.com/leverbright/leverbright/store"
)

// cronParser reads schedules as the config validates them: five fields or a descriptor.
var cronParser = cron.NewParser(cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)

// scheduler runs the reconcile, full resync and notes passes on their cron schedules.
type scheduler struct {
	d      *Daemon
	cron   *cron.Cron
	specs  config.Schedule
	ctx    context.Context
	cancel context.CancelFunc
}

func newScheduler(d *Daemon) *scheduler {
	ctx, cancel := context.WithCancel(context.Background())
	return &scheduler{d: d, ctx: ctx, cancel: cancel}
}

// start schedules the passes of cfg.
func (s *scheduler) start(cfg *config.Config) error {
	c := cron.New(cron.WithParser(cronParser), cron.WithLocation(time.UTC))
	jobs := map[string]string{
		passReconcile:  cfg.Schedule.Reconcile,
		passFullResync: cfg.Schedule.FullResync,
		passNotes:      cfg.Schedule.Notes,
	}
	for name, spec := range jobs {
		if _, err := c.AddFunc(spec, func() { s.run(name) }); err != nil {
			return fmt.Errorf("schedule %s %q: %w", name, spec, err)
		}
	}
	c.Start()
	s.cron, s.specs = c, cfg.Schedule
	return nil
}

// run starts one pass from the schedule; an overlapping run is skipped by runPass.
func (s *scheduler) run(name string) {
	_ = s.d.runPass(s.ctx, name, s.d.passFunc(name))
}

// reschedule replaces the schedules when a reload changed them.
func (s *scheduler) reschedule(cfg *config.Config) error {
	if cfg.Schedule == s.specs {
		return nil
	}
	old := s.cron
	if err := s.start(cfg); err != nil {
		return err
	}
	old.Stop()
	s.d.log.Info("schedules changed", "reconcile", cfg.Schedule.Reconcile,
		"full_resync", cfg.Schedule.FullResync, "notes", cfg.Schedule.Notes)
	return nil
}

// stop ends the schedules and cancels passes still running.
func (s *scheduler) stop() {
	<-s.cron.Stop().Done()
	s.cancel()
}

// passFunc is the function behind a pass name.
func (d *Daemon) passFunc(name string) func(context.Context) (int, error) {
	switch name {
	case passReconcile:
		return d.reconcile
	case passFullResync:
		return d.fullResync
	}
	return d.notesPass
}

// TriggerSync starts a reconcile pass, or a full resync, now and in the background.
// It returns ErrPassRunning when that pass is already running.
func (d *Daemon) TriggerSync(full bool) error {
	name := passReconcile
	if full {
		name = passFullResync
	}
	if d.passes.snapshot()[name].Running {
		return ErrPassRunning
	}
	go d.runPass(d.sched.ctx, name, d.passFunc(name))
	return nil
}

// startInitialBackfill runs the first full sweep at once on a new or recovered store.
func (d *Daemon) startInitialBackfill(ctx context.Context) {
	need, err := d.store.NeedsFullResync()
	if err != nil {
		d.log.Error("read resync flag", "err", err)
		return
	}
	if !need || d.opts.SkipInitialBackfill {
		return
	}
	d.log.Info("store is new or was recovered, starting a full backfill")
	go func() {
		err := d.runPass(d.sched.ctx, passFullResync, d.fullResync)
		if err != nil && !errors.Is(err, ErrPassRunning) {
			d.log.Error("initial backfill failed; the next scheduled full resync retries it", "err", err)
		}
	}()
}

// notesPass is the safety net for lost notes-ready webhooks: it queues every ready notes
// version BrightHire lists since the notes watermark that is not yet acked.
func (d *Daemon) notesPass(ctx context.Context) (int, error) {
	dp := d.current()
	if dp.bh == nil {
		return 0, nil
	}
	since, _, err := d.store.Cursor(store.CursorNotes)
	if err != nil {
		return 0, fmt.Errorf("read notes watermark: %w", err)
	}
	from := time.Time{}
	if !since.IsZero() {
		from = since.Add(-overlap)
	}
	newest, b := since, d.newBatcher(0)
	for s, err := range dp.bh.ReadyInterviews(ctx, from) {
		if err != nil {
			return b.count, outage(fmt.Errorf("list ready notes: %w", err))
		}
		newest = later(newest, s.UpdatedAt)
		acked, err := d.notesAcked(s.ID, s.Notes.Version)
		if err != nil {
			return b.count, err
		}
		if acked {
			continue
		}
		if err := b.add(d.notesItem(s.ID, s.Notes.Version, s.External)); err != nil {
			return b.count, err
		}
	}
	if err := b.flush(); err != nil {
		return b.count, err
	}
	return b.count, d.store.SetCursor(store.CursorNotes, newest)
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}
