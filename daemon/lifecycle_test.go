package daemon

import (
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
