package daemon_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/leverbright/leverbright/brighthire/brighthiretest"
	"github.com/leverbright/leverbright/config"
	"github.com/leverbright/leverbright/daemon"
	"github.com/leverbright/leverbright/demo"
	"github.com/leverbright/leverbright/lever"
	"github.com/leverbright/leverbright/lever/levertest"
	"github.com/leverbright/leverbright/store"
)

// quietSchedule runs no pass during a test unless the test asks for one.
var quietSchedule = demo.Schedule{Reconcile: "@every 1h", FullResync: "0 3 * * 0", Notes: "@every 1h"}

// newTestEnv starts a small simulated Lever and BrightHire for one test.
func newTestEnv(t *testing.T, opts demo.EnvOptions) *demo.Env {
	t.Helper()
	if opts.Opportunities == 0 {
		opts.Opportunities = 24
	}
	if opts.Seed == 0 {
		opts.Seed = 7
	}
	if opts.Schedule.Reconcile == "" {
		opts.Schedule = quietSchedule
	}
	env, err := demo.NewEnv(t.TempDir(), opts)
	if err != nil {
		t.Fatalf("new env: %v", err)
	}
	t.Cleanup(env.Close)
	return env
}

// notifyLog records the service manager states a daemon sent, in order.
type notifyLog struct {
	mu     sync.Mutex
	states []string
}

func (n *notifyLog) notify(state string) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.states = append(n.states, state)
}

func (n *notifyLog) list() []string {
	n.mu.Lock()
	defer n.mu.Unlock()
	return append([]string(nil), n.states...)
}

// running is one daemon run on an env's config.
type running struct {
	t      *testing.T
	env    *demo.Env
	d      *daemon.Daemon
	notes  *notifyLog
	cancel context.CancelFunc
	done   chan error
	once   sync.Once
}

// startDaemon loads env's config and runs a daemon on it until the test ends or stop is called.
func startDaemon(t *testing.T, env *demo.Env, skipBackfill bool) *running {
	t.Helper()
	cfg, err := config.Load(env.ConfigPath)
	if err != nil {
		t.Fatalf("load config: %v", err)
	}
	r := &running{t: t, env: env, notes: &notifyLog{}, done: make(chan error, 1)}
	r.d = daemon.New(cfg, daemon.Options{
		Logger:              slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelInfo})),
		Notify:              r.notes.notify,
		RetryBase:           50 * time.Millisecond,
		RetryMax:            time.Second,
		ClientRetryBase:     10 * time.Millisecond,
		ClientRetryMax:      200 * time.Millisecond,
		PollInterval:        50 * time.Millisecond,
		ReloadDebounce:      50 * time.Millisecond,
		SkipInitialBackfill: skipBackfill,
	})
	ctx, cancel := context.WithCancel(context.Background())
	r.cancel = cancel
	go func() { r.done <- r.d.Run(ctx) }()
	t.Cleanup(r.stop)
	waitFor(t, 10*time.Second, "daemon ready", func() (bool, string) {
		select {
		case err := <-r.done:
			r.done <- err
			t.Fatalf("daemon exited before it was ready: %v", err)
		default:
		}
		return r.d.Ready(), "not ready"
	})
	return r
}

// stop cancels the run and waits for Run to return; it is safe to call twice.
func (r *running) stop() {
	r.once.Do(func() {
		r.cancel()
		select {
		case err := <-r.done:
			if err != nil {
				r.t.Errorf("run: %v", err)
			}
		case <-time.After(15 * time.Second):
			r.t.Errorf("run did not return 15s after cancel")
		}
	})
}

// waitBackfill waits for the first full sweep to finish.
func (r *running) waitBackfill() {
	r.t.Helper()
	waitFor(r.t, 30*time.Second, "initial backfill", func() (bool, string) {
		st := r.d.Status()
		return !st.Passes["full_resync"].LastOK.IsZero(), fmt.Sprintf("%+v", st.Backfill)
	})
}

// waitIdle waits until the inbox is empty.
func (r *running) waitIdle() {
	r.t.Helper()
	waitFor(r.t, 20*time.Second, "empty queue", func() (bool, string) {
		n, err := r.d.Store().QueueDepth()
		return err == nil && n == 0, fmt.Sprintf("depth %d, err %v", n, err)
	})
}

// send delivers a Lever webhook to the daemon and requires a 200.
func (r *running) send(d levertest.Delivery) {
	r.t.Helper()
	if got := r.sendStatus(d); got != http.StatusOK {
		r.t.Fatalf("deliver %s: got status %d, want 200", d.Event, got)
	}
}

func (r *running) sendStatus(d levertest.Delivery) int {
	r.t.Helper()
	if d.Body == nil {
		r.t.Fatalf("empty delivery for %q: the fake had no such object", d.Event)
	}
	status, err := r.env.Lever.Send(context.Background(), r.env.WebhookURL+"/webhooks/lever", d)
	if err != nil {
		r.t.Fatalf("deliver %s: %v", d.Event, err)
	}
	return status
}

// waitFor polls cond until it holds or the deadline passes; the string says what was seen.
func waitFor(t *testing.T, limit time.Duration, what string, cond func() (bool, string)) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for {
		ok, seen := cond()
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: not reached within %s (last seen: %s)", what, limit, seen)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// waitVerified waits until env.Verify reports Lever and BrightHire in step.
func waitVerified(t *testing.T, env *demo.Env, limit time.Duration) demo.Check {
	t.Helper()
	var c demo.Check
	waitFor(t, limit, "lever and brighthire in step", func() (bool, string) {
		c = env.Verify()
		return c.OK(), strings.Join(c.Problems, "; ")
	})
	return c
}

// bhInterview waits until BrightHire holds interview id in a state cond accepts.
func bhInterview(t *testing.T, env *demo.Env, id string,
	cond func(brighthiretest.StoredInterview) bool) brighthiretest.StoredInterview {
	t.Helper()
	var got brighthiretest.StoredInterview
	waitFor(t, 15*time.Second, "brighthire interview "+id, func() (bool, string) {
		iv, ok := env.BrightHire.Interviews()[id]
		got = iv
		return ok && cond(iv), fmt.Sprintf("present %v: %+v", ok, iv)
	})
	return got
}

// leverClient reads the simulated Lever as the tests' own witness.
func leverClient(env *demo.Env) *lever.Client {
	return lever.NewClient(env.Lever.URL(), env.Lever.APIKey(),
		lever.WithRetry(6, 10*time.Millisecond, 500*time.Millisecond))
}

// firstOpportunity is an opportunity of the simulated Lever with at least one interview.
func firstOpportunity(t *testing.T, env *demo.Env, skip int) lever.Opportunity {
	t.Helper()
	for _, o := range env.Lever.Opportunities() {
		if len(env.Lever.Interviews(o.ID)) == 0 {
			continue
		}
		if skip == 0 {
			return o
		}
		skip--
	}
	t.Fatalf("no opportunity with interviews left")
	return lever.Opportunity{}
}

// countMarkers counts the notes in Lever that end with marker.
func countMarkers(env *demo.Env, marker string) int {
	n := 0
	for _, o := range env.Lever.Opportunities() {
		for _, note := range env.Lever.Notes(o.ID) {
			if strings.HasSuffix(note.Body(), marker) {
				n++
			}
		}
	}
	return n
}

// editConfig replaces old with new in env's config file, atomically as an editor would.
func editConfig(t *testing.T, env *demo.Env, old, new string) {
	t.Helper()
	b, err := os.ReadFile(env.ConfigPath)
	if err != nil || !bytes.Contains(b, []byte(old)) {
		t.Fatalf("config has no %q (err %v)", old, err)
	}
	tmp := env.ConfigPath + ".tmp"
	if err := os.WriteFile(tmp, bytes.Replace(b, []byte(old), []byte(new), 1), 0o600); err != nil {
		t.Fatalf("write config: %v", err)
	}
	if err := os.Rename(tmp, env.ConfigPath); err != nil {
		t.Fatalf("replace config: %v", err)
	}
}

// noteState reads a note record from a running daemon's store.
func (r *running) noteState(bhID string, version int) store.NoteState {
	rec, ok, err := r.d.Store().NoteRecord(bhID, version)
	if err != nil || !ok {
		return 0
	}
	return rec.State
}

// churn makes a few interview changes on n opportunities and delivers their webhooks.
func churn(t *testing.T, r *running, n int, shift time.Duration) {
	t.Helper()
	for i := range n {
		opp := firstOpportunity(t, r.env, i)
		ivs := r.env.Lever.Interviews(opp.ID)
		at := time.Now().Add(shift).Truncate(time.Minute)
		r.send(r.env.Lever.RescheduleInterview(opp.ID, ivs[0].ID, at))
		if len(ivs) > 1 {
			r.send(r.env.Lever.CancelInterview(opp.ID, ivs[1].ID))
		}
		_, del := r.env.Lever.ScheduleInterview(opp.ID)
		r.send(del)
	}
}

// routeCount sums the answers of one route whose status is in [lo, hi).
func routeCount(byRoute map[string]map[int]int, route string, lo, hi int) int {
	n := 0
	for code, c := range byRoute[route] {
		if code >= lo && code < hi {
			n += c
		}
	}
	return n
}
