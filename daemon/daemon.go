// Package daemon is leverbright's relay: it takes Lever and BrightHire webhooks, keeps BrightHire
// in step with Lever, reconciles on a schedule and writes BrightHire's notes back into Lever.
package daemon

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"

	"github.com/leverbright/leverbright/config"
	"github.com/leverbright/leverbright/store"
)

// Version is the product version reported by /status, the User-Agent and `leverbright version`.
var Version = "0.1.0"

// Options are the parts of a daemon that are not in its config file.
type Options struct {
	// Logger receives every log line; nil discards them.
	Logger *slog.Logger

	// SetLog applies a reloaded log level and format; nil leaves logging as it is.
	SetLog func(level, format string) error

	// Notify sends a state line to the service manager; nil uses systemd's NOTIFY_SOCKET.
	Notify func(state string)

	// Now is the clock; nil is time.Now.
	Now func() time.Time

	// HTTPClient, when set, is used for every outgoing call (tests and the demo).
	HTTPClient *http.Client

	// RetryBase and RetryMax bound the queue's backoff; zero means 2 s and 10 min.
	RetryBase, RetryMax time.Duration

	// ClientRetryBase and ClientRetryMax bound the API clients' own retries; zero keeps
	// the clients' defaults.
	ClientRetryBase, ClientRetryMax time.Duration

	// PollInterval is how often the queue is looked at when nothing wakes it; zero means 500 ms.
	PollInterval time.Duration

	// ReloadDebounce is the quiet time after a config file event; zero means 250 ms.
	ReloadDebounce time.Duration

	// SkipInitialBackfill leaves a new store without its first full sweep.
	SkipInitialBackfill bool

	// StoreNoBatch commits every webhook delivery in its own store transaction instead of
	// group commit. It exists as the baseline of the ingest benchmarks; leave it off.
	StoreNoBatch bool
}

// Daemon is one running leverbright. Build it with New, start it with Run.
type Daemon struct {
	opts    Options
	log     *slog.Logger
	now     func() time.Time
	started time.Time

	cfgMu    sync.RWMutex
	cfg      *config.Config
	running  *config.Config // the config the daemon started with; some keys apply only then
	reloadMu sync.Mutex

	deps    atomic.Pointer[deps]
	store   *store.Store
	metrics *metrics
	status  *statusBoard

	pause     pauseState
	noteLocks keyedMutex
	ready     atomic.Bool
	refusals  rate.Sometimes // logs refused deliveries without letting a flood fill the journal
	heartbeat atomic.Int64   // unix nanoseconds of the queue dispatcher's last round
	wake      chan struct{}
	passes    passes
	listeners *listeners
	sched     *scheduler
}

// New returns a daemon for cfg. It does no I/O; Run opens the store and binds the listeners.
func New(cfg *config.Config, opts Options) *Daemon {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Notify == nil {
		opts.Notify = sdNotify
	}
	d := &Daemon{
		opts:     opts,
		log:      opts.Logger,
		now:      opts.Now,
		cfg:      cfg,
		running:  cfg,
		wake:     make(chan struct{}, 1),
		metrics:  newMetrics(),
		status:   newStatusBoard(),
		refusals: rate.Sometimes{First: 10, Interval: 10 * time.Second},
	}
	d.passes.init()
	return d
}

// Config returns the config in force.
func (d *Daemon) Config() *config.Config {
	d.cfgMu.RLock()
	defer d.cfgMu.RUnlock()
	return d.cfg
}

// Ready reports whether the daemon takes deliveries: store open, config loaded, listeners bound.
func (d *Daemon) Ready() bool { return d.ready.Load() }

// Run opens the store, binds the listeners and works until ctx ends. On shutdown it stops
// taking deliveries, lets work in flight finish within the shutdown timeout, waits for running
// passes and closes the store.
func (d *Daemon) Run(ctx context.Context) error {
	d.started = d.now()
	d.status.started(d.started)
	cfg := d.Config()
	if err := d.openStore(cfg); err != nil {
		return err
	}
	defer d.closeStore()

	if err := d.buildDeps(cfg); err != nil {
		return err
	}
	d.metrics.register(d)

	ls, err := d.bindListeners(cfg)
	if err != nil {
		return err
	}
	d.listeners = ls
	return d.serve(ctx)
}

// serve runs every part until ctx ends, then stops them in reverse order.
func (d *Daemon) serve(ctx context.Context) error {
	workCtx, stopWork := context.WithCancel(context.WithoutCancel(ctx))
	defer stopWork()

	var wg sync.WaitGroup
	queueDone := make(chan struct{})
	wg.Go(func() { d.runQueue(ctx, workCtx); close(queueDone) })
	wg.Go(func() { d.watchConfig(ctx) })
	wg.Go(func() { d.runWatchdog(ctx) })
	wg.Go(func() { d.runHousekeeping(ctx) })
	d.sched = newScheduler(d)
	if err := d.sched.start(d.Config()); err != nil {
		return err
	}
	d.startInitialBackfill(workCtx)

	d.ready.Store(true)
	d.opts.Notify("READY=1")
	d.log.Info("leverbright started", "version", Version,
		"webhooks", d.listeners.webhookAddr(), "admin", d.listeners.adminAddr())

	<-ctx.Done()
	d.shutdown(queueDone, stopWork)
	wg.Wait()
	return nil
}

// shutdown stops deliveries, waits for the queue within the shutdown timeout and then for passes.
func (d *Daemon) shutdown(queueDone <-chan struct{}, stopWork context.CancelFunc) {
	d.ready.Store(false)
	d.opts.Notify("STOPPING=1")
	d.log.Info("leverbright stopping")
	limit := d.Config().ShutdownTimeout
	d.listeners.closeWebhooks(limit)

	select {
	case <-queueDone:
	case <-time.After(limit):
		d.log.Warn("work in flight did not finish in time", "timeout", limit)
	}
	stopWork()
	<-queueDone
	d.sched.stop()
	d.passes.wait()
	d.listeners.closeAdmin(limit)
}

// openStore opens the bbolt store named by the config.
func (d *Daemon) openStore(cfg *config.Config) error {
	st, err := store.Open(cfg.Store.Path, store.Options{
		Logger:  d.log,
		Now:     d.now,
		NoBatch: d.opts.StoreNoBatch,
	})
	if err != nil {
		return fmt.Errorf("open store: %w", err)
	}
	d.store = st
	return nil
}

func (d *Daemon) closeStore() {
	if d.store == nil {
		return
	}
	if err := d.store.Close(); err != nil {
		d.log.Error("close store", "err", err)
	}
}

// Store returns the daemon's store once Run has opened it.
func (d *Daemon) Store() *store.Store { return d.store }

// kick wakes the queue dispatcher without blocking.
func (d *Daemon) kick() {
	select {
	case d.wake <- struct{}{}:
	default:
	}
}
