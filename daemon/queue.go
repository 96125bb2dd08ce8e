package daemon

import (
	"context"
	"encoding/json"
	"errors"
	"log"
	"log/slog"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/leverbright/leverbright/brighthire"
	"github.com/leverbright/leverbright/lever"
	"github.com/leverbright/leverbright/store"
)

// dispatcher hands due inbox items to workers: items of one key in order, keys in parallel.
type dispatcher struct {
	d        *Daemon
	mu       sync.Mutex
	inflight map[string]bool
	wg       sync.WaitGroup
}

// runQueue dispatches until ctx ends, then waits for the items in flight. Work runs under
// workCtx, which the shutdown cancels only when its time limit has passed.
func (d *Daemon) runQueue(ctx, workCtx context.Context) {
	q := &dispatcher{d: d, inflight: map[string]bool{}}
	poll := d.opts.PollInterval
	if poll <= 0 {
		poll = 500 * time.Millisecond
	}
	t := time.NewTicker(poll)
	defer t.Stop()
	for {
		d.heartbeat.Store(d.now().UnixNano())
		q.dispatch(workCtx)
		select {
		case <-ctx.Done():
			q.wg.Wait()
			return
		case <-d.wake:
		case <-t.C:
		}
	}
}

// dispatch starts as many due items as there are free workers.
func (q *dispatcher) dispatch(ctx context.Context) {
	if ctx.Err() != nil || q.d.pause.active(q.d.now()) {
		return
	}
	free, skip := q.free()
	if free <= 0 {
		return
	}
	items, err := q.d.store.Due(q.d.now(), free, skip)
	if err != nil {
		q.d.log.Error("read queue", "err", err)
		return
	}
	for _, it := range items {
		q.start(ctx, it)
	}
}

// free returns the number of idle workers and the keys being worked on.
func (q *dispatcher) free() (int, map[string]bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	skip := make(map[string]bool, len(q.inflight))
	for k := range q.inflight {
		skip[k] = true
	}
	return q.d.Config().Workers - len(q.inflight), skip
}

func (q *dispatcher) start(ctx context.Context, it store.Item) {
	q.mu.Lock()
	q.inflight[it.Key] = true
	q.mu.Unlock()
	q.wg.Go(func() {
		q.d.work(ctx, it)
		q.mu.Lock()
		delete(q.inflight, it.Key)
		q.mu.Unlock()
		q.d.kick()
	})
}

// work runs one item and records its outcome: done, retried later, or dead-lettered.
func (d *Daemon) work(ctx context.Context, it store.Item) {
	err := d.handle(ctx, it)
	d.metrics.work(it.Kind, err)
	switch {
	case err == nil:
		d.settle(d.store.Done(it.ID), it)
	case ctx.Err() != nil:
		// Shutting down: the item stays in the inbox and runs again after the restart.
	case refusedBy(err) != "":
		// Every item would fail alike: the queue waits and this item runs again, its
		// attempts untouched.
		d.notePause(err)
	case isPermanent(err) || it.Attempts+1 >= d.Config().MaxAttempts:
		d.log.Error("work failed, dead-lettered", "kind", it.Kind, "key", it.Key, "attempts", it.Attempts+1, "err", err)
		d.settle(d.store.DeadLetter(it.ID, err.Error()), it)
		d.countSweepItem(it)
	default:
		d.notePause(err)
		next := d.now().Add(d.backoff(it.Attempts))
		d.logRetry(it, err)
		d.settle(d.store.Retry(it.ID, next, err.Error()), it)
	}
}

// logRetry logs the first failure of an item at warn and later ones at debug, so a long
// outage does not flood the journal.
func (d *Daemon) logRetry(it store.Item, err error) {
	level := slog.LevelDebug
	if it.Attempts == 0 {
		level = slog.LevelWarn
	}
	d.log.Log(context.Background(), level, "work failed, will retry",
		"kind", it.Kind, "key", it.Key, "attempts", it.Attempts+1, "err", err)
}

func (d *Daemon) settle(err error, it store.Item) {
	if err != nil {
		d.log.Error("record work outcome", "kind", it.Kind, "id", it.ID, "err", err)
	}
}

// backoff is capped exponential with full jitter.
func (d *Daemon) backoff(attempts int) time.Duration {
	base, limit := d.opts.RetryBase, d.opts.RetryMax
	if base <= 0 {
		base = 2 * time.Second
	}
	if limit <= 0 {
		limit = 10 * time.Minute
	}
	ceil := base << min(attempts, 20)
	if ceil > limit || ceil <= 0 {
		ceil = limit
	}
	return ceil/2 + rand.N(ceil/2+1)
}

// permanentError marks a failure that retrying cannot mend.
type permanentError struct{ err error }

func (e *permanentError) Error() string { return e.err.Error() }
func (e *permanentError) Unwrap() error { return e.err }

func permanent(err error) error { return &permanentError{err} }

// isPermanent reports whether err cannot be mended by retrying: marked so by the relay, or a
// refusal by Lever or BrightHire other than 429 (a 404 is handled before it gets here).
func isPermanent(err error) bool {
	var p *permanentError
	return errors.As(err, &p) || lever.IsPermanent(err) || brighthire.IsPermanent(err)
}

// countSweepItem counts a dead-lettered item of a full sweep as finished.
func (d *Daemon) countSweepItem(it store.Item) {
	if it.Kind != kindSyncOpp && it.Kind != kindRemoveOpp {
		return
	}
	var j oppJob
	if json.Unmarshal(it.Body, &j) == nil && j.Pass != 0 {
		d.passes.progress(j.Pass, d.now())
	}
}

// slogErrorLog routes net/http's own error lines into the structured log.
func slogErrorLog(l *slog.Logger) *log.Logger {
	return slog.NewLogLogger(l.With("component", "http").Handler(), slog.LevelDebug)
}
