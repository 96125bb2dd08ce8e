package daemon

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/leverbright/leverbright/config"
)

func TestDaemon_Alive_FollowsQueueHeartbeat(t *testing.T) {
	now := time.Unix(1000, 0)
	d := New(config.Default(), Options{Now: func() time.Time { return now }})
	if d.alive(time.Second) {
		t.Fatalf("alive before the queue ever ran")
	}
	d.heartbeat.Store(now.Add(-500 * time.Millisecond).UnixNano())
	if !d.alive(time.Second) {
		t.Fatalf("not alive half a second after a heartbeat")
	}
	d.heartbeat.Store(now.Add(-2 * time.Second).UnixNano())
	if d.alive(time.Second) {
		t.Fatalf("alive two seconds after the last heartbeat, interval one second")
	}
}

func TestDaemon_Reload_BeforeRun(t *testing.T) {
	d := New(config.Default(), Options{})
	if err := d.Reload(); !errors.Is(err, errNotRunning) {
		t.Fatalf("reload before Run: got %v, want errNotRunning", err)
	}
}

func TestDaemon_RunPass_SkipsWhileRunning(t *testing.T) {
	d := New(config.Default(), Options{})
	started, release := make(chan struct{}), make(chan struct{})
	slow := func(context.Context) (int, error) {
		close(started)
		<-release
		return 3, nil
	}
	done := make(chan error)
	go func() { done <- d.runPass(context.Background(), passReconcile, slow) }()
	<-started
	err := d.runPass(context.Background(), passReconcile, func(context.Context) (int, error) {
		t.Errorf("second run of a running pass was started")
		return 0, nil
	})
	if !errors.Is(err, ErrPassRunning) {
		t.Fatalf("overlapping run: got %v, want ErrPassRunning", err)
	}
	close(release)
	if err := <-done; err != nil {
		t.Fatalf("first run: %v", err)
	}
	st := d.passes.snapshot()[passReconcile]
	if st.Skipped != 1 || st.Found != 3 || st.Result != "ok" || st.Running {
		t.Fatalf("pass state: got %+v, want 1 skipped, 3 found, ok, not running", st)
	}
}

func TestPasses_SweepRateStopsAtTheEnd(t *testing.T) {
	var p passes
	p.init()
	start := time.Unix(0, 0)
	id := p.startSweep(start)
	p.addSweepTotal(id, 10)
	for range 10 {
		p.progress(id, start.Add(2*time.Second))
	}
	for _, later := range []time.Duration{2 * time.Second, time.Minute} {
		pr := p.sweepProgress(start.Add(later))
		if pr.Running || pr.Rate != 5 {
			t.Fatalf("%v after start: got running=%v rate %.2f, want done at 5/s", later, pr.Running, pr.Rate)
		}
	}
}
