package demo

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/leverbright/leverbright/config"
	"github.com/leverbright/leverbright/daemon"
)

// Options shape a demo run.
type Options struct {
	Size    int   // opportunities in the simulated Lever
	Seed    int64 // seed of the data set and the day
	Serve   bool  // keep running after the summary, admin listener up
	Verbose bool  // show the daemon's log instead of keeping it in a file

	// RunDaemon runs the daemon on a loaded config until ctx ends: the same function the
	// `run` command uses.
	RunDaemon func(ctx context.Context, cfg *config.Config, logTo io.Writer) error
}

// ErrNotInStep is returned when the end state check fails.
var ErrNotInStep = errors.New("lever and brighthire are not in step")

// Run starts the simulated services and the daemon, plays a recruiting day, waits until
// both sides are in step and prints a summary. It returns ErrNotInStep if they never are.
func Run(ctx context.Context, opts Options, out io.Writer) error {
	start := time.Now()
	dir, err := os.MkdirTemp("", "leverbright-demo-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	env, err := NewEnv(dir, EnvOptions{Seed: opts.Seed, Opportunities: opts.Size, Forward: true})
	if err != nil {
		return err
	}
	defer env.Close()
	r := &runner{env: env, out: out, start: start, admin: &http.Client{Timeout: 5 * time.Second}}
	r.say("simulated Lever at %s: %d opportunities, %d interviews", env.Lever.URL(), opts.Size, r.leverInterviews())
	r.say("simulated BrightHire at %s; config written to %s", env.BrightHire.URL(), env.ConfigPath)

	stop, done, err := r.startDaemon(ctx, opts)
	if err != nil {
		return err
	}
	defer func() { stop(); <-done }()
	if err := r.play(ctx, opts); err != nil {
		return err
	}
	check := r.converge(ctx)
	r.summary(check)
	if opts.Serve && check.OK() {
		r.say("serving: try 'leverbright status -config %s' or curl %s/metrics; Ctrl-C ends", env.ConfigPath, env.AdminURL)
		<-ctx.Done()
	}
	if !check.OK() {
		return ErrNotInStep
	}
	return nil
}

// runner carries one demo run's state.
type runner struct {
	env   *Env
	out   io.Writer
	start time.Time
	admin *http.Client
	day   DayStats
}

func (r *runner) say(format string, args ...any) {
	fmt.Fprintf(r.out, "[%5.1fs] %s\n", time.Since(r.start).Seconds(), fmt.Sprintf(format, args...))
}

func (r *runner) leverInterviews() int {
	n := 0
	for _, ivs := range r.env.Lever.AllInterviews() {
		n += len(ivs)
	}
	return n
}

// startDaemon loads the written config and runs the daemon on it, as `run` does.
func (r *runner) startDaemon(ctx context.Context, opts Options) (context.CancelFunc, <-chan struct{}, error) {
	cfg, err := config.Load(r.env.ConfigPath)
	if err != nil {
		return nil, nil, fmt.Errorf("load demo config: %w", err)
	}
	logTo := io.Writer(os.Stderr)
	if !opts.Verbose {
		f, err := os.Create(filepath.Join(r.env.Dir, "daemon.log"))
		if err != nil {
			return nil, nil, err
		}
		logTo = f
	}
	dctx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := opts.RunDaemon(dctx, cfg, logTo); err != nil {
			r.say("daemon stopped: %v", err)
		}
	}()
	if err := r.waitReady(ctx, done); err != nil {
		stop()
		<-done
		return nil, nil, err
	}
	r.say("daemon ready: webhooks on %s, admin on %s", r.env.WebhookURL, r.env.AdminURL)
	return stop, done, nil
}

func (r *runner) waitReady(ctx context.Context, done <-chan struct{}) error {
	for deadline := time.Now().Add(15 * time.Second); time.Now().Before(deadline); {
		resp, err := r.admin.Get(r.env.AdminURL + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-done:
			return errors.New("daemon exited before it was ready")
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
	return errors.New("daemon not ready after 15s")
}

// status reads the daemon's /status.
func (r *runner) status() (daemon.Status, error) {
	var st daemon.Status
	resp, err := r.admin.Get(r.env.AdminURL + "/status")
	if err != nil {
		return st, err
	}
	defer resp.Body.Close()
	return st, json.NewDecoder(resp.Body).Decode(&st)
}

// play waits for the initial backfill, then plays the recruiting day.
func (r *runner) play(ctx context.Context, opts Options) error {
	if err := r.waitBackfill(ctx); err != nil {
		return err
	}
	n := max(opts.Size/4, 20)
	r.say("recruiting day: %d changes in Lever, each followed by its webhook; 10%% of webhooks lost on purpose", n)
	day, err := r.env.NewDay(opts.Seed, 0.10).Play(ctx, n, 40*time.Millisecond)
	r.day = day
	if err != nil {
		return err
	}
	r.say("day played: %d deliveries sent (%d accepted, %d refused as they should be), %d lost",
		day.Sent, day.Accepted, day.Refused, day.Lost)
	for _, u := range day.Unexpected {
		r.say("UNEXPECTED: %s", u)
	}
	return nil
}

// waitBackfill follows the first full sweep until it is done.
func (r *runner) waitBackfill(ctx context.Context) error {
	last := time.Time{}
	for {
		st, err := r.status()
		if err == nil && !st.Passes["full_resync"].LastOK.IsZero() {
			r.say("backfill done: %d interviews in BrightHire", len(r.env.BrightHire.Interviews()))
			return nil
		}
		if err == nil && time.Since(last) >= 3*time.Second {
			last = time.Now()
			if p := st.Backfill; p.Total > 0 {
				r.say("backfill: %d/%d opportunities, %.1f/s, %s left", p.Done, p.Total, p.Rate, p.TimeLeft)
			} else {
				r.say("backfill: listing Lever's postings, users and opportunities")
			}
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
}
