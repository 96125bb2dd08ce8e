package daemon_test

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/leverbright/leverbright/config"
	"github.com/leverbright/leverbright/daemon"
	"github.com/leverbright/leverbright/demo"
	"github.com/leverbright/leverbright/lever/levertest"
)

// syncBuffer is a log sink safe for the daemon's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) count(sub string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return strings.Count(s.b.String(), sub)
}

// Work that succeeds without BrightHire must not end a BrightHire outage pause: only an answer
// from BrightHire shows it is back.
func TestDaemon_Run_OutagePauseHoldsWhileOtherWorkSucceeds(t *testing.T) {
	env := newTestEnv(t, demo.EnvOptions{Opportunities: 12})
	cfg, err := config.Load(env.ConfigPath)
	if err != nil {
		t.Fatalf("load config: %v", err)
	}
	logs := &syncBuffer{}
	d := daemon.New(cfg, daemon.Options{
		Logger:    slog.New(slog.NewTextHandler(logs, nil)),
		RetryBase: 20 * time.Millisecond, RetryMax: 100 * time.Millisecond,
		ClientRetryBase: time.Millisecond, ClientRetryMax: 5 * time.Millisecond,
		PollInterval: 10 * time.Millisecond,
	})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- d.Run(ctx) }()
	defer func() { cancel(); <-done }()
	waitFor(t, 30*time.Second, "backfill", func() (bool, string) {
		return d.Ready() && !d.Status().Passes["full_resync"].LastOK.IsZero(), "running"
	})

	waitFor(t, 10*time.Second, "idle queue", func() (bool, string) {
		return d.Status().QueueDepth == 0, "work left"
	})
	env.BrightHire.SetDown(true)
	send := func(body []byte) {
		t.Helper()
		if _, err := env.Lever.Send(ctx, env.WebhookURL+"/webhooks/lever", levertest.Delivery{Body: body}); err != nil {
			t.Fatalf("send: %v", err)
		}
	}
	opp := firstOpportunity(t, env, 0)
	_, needsBH := env.Lever.ScheduleInterview(opp.ID)
	send(needsBH.Body)
	// Deliveries about other opportunities whose interviews did not change: their work
	// succeeds without calling BrightHire.
	for i := 1; i < 8; i++ {
		o := firstOpportunity(t, env, i)
		iv := env.Lever.Interviews(o.ID)[0]
		send(env.Lever.RescheduleInterview(o.ID, iv.ID, iv.Date.Time()).Body)
	}
	waitFor(t, 10*time.Second, "queue paused", func() (bool, string) {
		return d.Status().Paused != "", "not paused"
	})
	time.Sleep(time.Second) // outage goes on while the other work runs
	if n := logs.count("queue resumed"); n != 0 {
		t.Fatalf("pause ended %d times while brighthire was down", n)
	}

	env.BrightHire.SetDown(false)
	waitFor(t, 10*time.Second, "queue resumed", func() (bool, string) {
		return d.Status().Paused == "" && d.Status().QueueDepth == 0, d.Status().Paused
	})
	if n := logs.count("pausing the queue"); n != 1 {
		t.Fatalf("pauses logged: got %d, want 1 for one outage", n)
	}
}
