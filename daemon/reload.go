package daemon

import (
	"context"
	"errors"
	"fmt"
	"time"

	sddaemon "github.com/coreos/go-systemd/v22/daemon"

	"github.com/leverbright/leverbright/config"
)

// Reload reads the config file again and applies it. An invalid file is refused: the running
// config stays, the error is logged and shown by /status and a metric until a good one loads.
// Unchanged content does nothing.
func (d *Daemon) Reload() error {
	d.reloadMu.Lock()
	defer d.reloadMu.Unlock()
	if !d.Ready() {
		return errNotRunning
	}
	old := d.Config()
	next, err := config.Load(old.Path)
	switch {
	case err == nil && next.Equal(old) && d.status.lastReloadOK():
		return nil // saved without a change: nothing to do, nothing to count
	case err == nil && !next.Equal(old):
		d.opts.Notify("RELOADING=1")
		err = d.apply(old, next)
		d.recordReload(err)
		d.opts.Notify("READY=1")
		return err
	case err == nil:
		d.log.Info("config file matches the running config again", "path", old.Path)
	}
	d.recordReload(err)
	return err
}

// recordReload logs a reload's outcome and shows it in /status and the metrics.
func (d *Daemon) recordReload(err error) {
	if err != nil {
		d.log.Error("config reload refused, running config kept", "path", d.Config().Path, "err", err)
		d.status.reloaded(d.now(), err, nil)
		d.metrics.reload(false)
		return
	}
	restart := d.Config().NeedsRestart(d.running)
	d.status.reloaded(d.now(), nil, restart)
	d.metrics.reload(true)
	d.metrics.needsRestart.Set(boolFloat(len(restart) > 0))
}

// errNotRunning is returned by a reload asked for before the daemon is ready or after it
// began to stop.
var errNotRunning = errors.New("reload: daemon is not running")

// apply puts a validated config in force. What can fail is done first: the new clients are
// built and the new listeners bound before anything in force changes, so a refused config
// leaves the daemon as it was.
func (d *Daemon) apply(old, next *config.Config) error {
	dp, err := d.newDeps(next)
	if err != nil {
		return err
	}
	if err := d.rebind(old, next); err != nil {
		return fmt.Errorf("apply listen addresses: %w", err)
	}
	if d.opts.SetLog != nil {
		if err := d.opts.SetLog(next.Log.Level, next.Log.Format); err != nil {
			d.log.Error("apply log settings", "err", err)
		}
	}
	d.deps.Store(dp)
	if err := d.sched.reschedule(next); err != nil {
		d.log.Error("apply schedules, the old ones go on", "err", err)
	}
	d.cfgMu.Lock()
	d.cfg = next
	d.cfgMu.Unlock()
	if was := d.pause.clear(""); was != "" {
		d.log.Info("queue resumed after a config change", "after", was)
	}
	for _, key := range next.NeedsRestart(d.running) {
		d.log.Warn("config change needs a restart to apply", "key", key)
	}
	d.log.Info("config reloaded", "path", next.Path)
	d.kick()
	return nil
}

func boolFloat(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// watchConfig reloads when the config file changes on disk.
func (d *Daemon) watchConfig(ctx context.Context) {
	debounce := d.opts.ReloadDebounce
	if debounce <= 0 {
		debounce = 250 * time.Millisecond
	}
	err := config.Watch(ctx, d.Config().Path, debounce, func() { _ = d.Reload() })
	if err != nil && ctx.Err() == nil {
		d.log.Error("watch config file, reload with SIGHUP instead", "err", err)
	}
}

// runWatchdog pings systemd's watchdog at half its interval while the queue dispatcher is
// alive, so a stuck daemon is restarted by systemd.
func (d *Daemon) runWatchdog(ctx context.Context) {
	every, err := sddaemon.SdWatchdogEnabled(false)
	if err != nil || every <= 0 {
		return
	}
	t := time.NewTicker(every / 2)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if d.alive(every) {
				d.opts.Notify("WATCHDOG=1")
			}
		}
	}
}

// alive reports whether the queue dispatcher went round its loop within the last interval.
func (d *Daemon) alive(interval time.Duration) bool {
	last := time.Unix(0, d.heartbeat.Load())
	return d.now().Sub(last) < interval
}

// sdNotify tells systemd about a state change; without NOTIFY_SOCKET it does nothing.
func sdNotify(state string) {
	_, _ = sddaemon.SdNotify(false, state)
}
