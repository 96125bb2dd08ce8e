package daemon_test

import (
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/leverbright/leverbright/daemon"
	"github.com/leverbright/leverbright/demo"
)

// A store that is rebuilt (damaged and moved aside, a new store.path, a restored backup)
// knows nothing of the notes already in Lever; none may be written again.
func TestDaemon_Run_NewStoreWritesNoNoteTwice(t *testing.T) {
	env := newTestEnv(t, demo.EnvOptions{Opportunities: 12, NotesDelay: 100 * time.Millisecond,
		Schedule: demo.Schedule{Reconcile: "@every 1h", FullResync: "0 3 * * 0", Notes: "@every 1s"}})
	held := heldNow(t, env, 8)
	r := startDaemon(t, env, false)
	r.waitBackfill()
	waitFor(t, 20*time.Second, "first notes in lever", func() (bool, string) {
		c := env.Verify()
		return c.OK() && c.NotesInLever >= len(held), fmt.Sprintf("%d notes, %v", c.NotesInLever, c.Problems)
	})
	r.stop()

	if err := os.Remove(env.StorePath); err != nil {
		t.Fatalf("remove store: %v", err)
	}
	r2 := startDaemon(t, env, false)
	r2.waitBackfill()
	waitFor(t, 20*time.Second, "notes acked again from the new store", func() (bool, string) {
		for _, iv := range held {
			bh := env.BrightHire.Interviews()[iv.ID]
			if r2.noteState(bh.ID, bh.NotesVersion) == 0 {
				return false, "notes of " + bh.ID + " not recorded yet"
			}
		}
		return true, ""
	})
	r2.waitIdle()
	for _, iv := range held {
		bh := env.BrightHire.Interviews()[iv.ID]
		if n := countMarkers(env, daemon.NoteMarker(bh.ID, bh.NotesVersion)); n != 1 {
			t.Fatalf("notes of %s after a new store: got %d in lever, want 1", bh.ID, n)
		}
	}
}
