package daemon_test

import (
	"bytes"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/leverbright/leverbright/brighthire/brighthiretest"
	"github.com/leverbright/leverbright/daemon"
	"github.com/leverbright/leverbright/demo"
	"github.com/leverbright/leverbright/lever"
	"github.com/leverbright/leverbright/lever/levertest"
	"github.com/leverbright/leverbright/store"
)

// heldSoon schedules an interview on opp, moves it to just after now and delivers the
// change, returning the interview as BrightHire holds it.
func heldSoon(t *testing.T, r *running, oppID string) brighthiretest.StoredInterview {
	t.Helper()
	iv, _ := r.env.Lever.ScheduleInterview(oppID)
	r.send(r.env.Lever.RescheduleInterview(oppID, iv.ID, time.Now().Add(500*time.Millisecond)))
	return bhInterview(t, r.env, iv.ID, func(s brighthiretest.StoredInterview) bool { return !s.Deleted })
}

func TestDaemon_Run_NotesExactlyOnceAfterCrash(t *testing.T) {
	env := newTestEnv(t, demo.EnvOptions{Opportunities: 12, NotesDelay: 100 * time.Millisecond})
	r := startDaemon(t, env, true)

	// Crash point 1: the note was posted, the record still says intended.
	posted := heldSoon(t, r, firstOpportunity(t, env, 0).ID)
	waitFor(t, 15*time.Second, "note acked", func() (bool, string) {
		st := r.noteState(posted.ID, 1)
		return st == store.NoteAcked, fmt.Sprint(st)
	})
	// Crash point 2: the intent is recorded, the note never posted.
	env.BrightHire.SetNotesWebhook("")
	unposted := heldSoon(t, r, firstOpportunity(t, env, 1).ID)
	waitFor(t, 10*time.Second, "notes ready", func() (bool, string) {
		return env.BrightHire.Interviews()[unposted.External.ID].NotesReady, "not ready"
	})
	r.stop()

	st, err := store.Open(env.StorePath, store.Options{})
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	rec, ok, err := st.NoteRecord(posted.ID, 1)
	if err != nil || !ok {
		t.Fatalf("note record: ok %v, err %v", ok, err)
	}
	rec.State, rec.LeverNoteID = store.NoteIntended, ""
	seeds := []store.NoteRecord{rec, {InterviewID: unposted.ID, Version: 1,
		OpportunityID: unposted.ApplicationExternalID, State: store.NoteIntended, UpdatedAt: time.Now()}}
	for _, s := range seeds {
		if err := st.PutNoteRecord(s); err != nil {
			t.Fatalf("seed note record: %v", err)
		}
	}
	if err := st.Close(); err != nil {
		t.Fatalf("close store: %v", err)
	}
	editConfig(t, env, `notes = "@every 1h"`, `notes = "@every 1s"`)
	env.Lever.ResetStats()

	r = startDaemon(t, env, true)
	for _, iv := range []brighthiretest.StoredInterview{posted, unposted} {
		waitFor(t, 15*time.Second, "note of "+iv.ID+" acked", func() (bool, string) {
			st := r.noteState(iv.ID, 1)
			return st == store.NoteAcked, fmt.Sprint(st)
		})
		if got := countMarkers(env, daemon.NoteMarker(iv.ID, 1)); got != 1 {
			t.Fatalf("notes of %s in lever: got %d, want 1", iv.ID, got)
		}
		if got := env.BrightHire.AckCount(iv.ID, 1); got != 1 {
			t.Fatalf("acks of %s: got %d, want 1", iv.ID, got)
		}
	}
	if got := routeCount(env.Lever.Stats().ByRoute, "POST /opportunities/:id/notes", 200, 300); got != 1 {
		t.Fatalf("notes posted after the restart: got %d, want 1", got)
	}
}

func TestDaemon_Run_SurvivesBrightHireOutage(t *testing.T) {
	env := newTestEnv(t, demo.EnvOptions{Opportunities: 8})
	r := startDaemon(t, env, false)
	r.waitBackfill()
	r.waitIdle()

	env.BrightHire.SetDown(true)
	churn(t, r, 3, 30*time.Hour)        // every delivery answered 200 while BrightHire is down
	time.Sleep(1500 * time.Millisecond) // the outage lasts a while
	env.BrightHire.ResetStats()
	env.BrightHire.FailNext(4, http.StatusServiceUnavailable)
	env.BrightHire.SetDown(false)

	waitVerified(t, env, 20*time.Second)
	r.waitIdle()
	st := r.d.Status()
	if st.DeadLetter != 0 {
		t.Fatalf("dead letters: got %d, want 0", st.DeadLetter)
	}
	n503 := 0
	for route := range env.BrightHire.Stats().ByRoute {
		n503 += routeCount(env.BrightHire.Stats().ByRoute, route, 503, 504)
	}
	if n503 != 4 {
		t.Fatalf("503 answers after the outage: got %d, want 4", n503)
	}
}

func TestDaemon_Run_SurvivesLever429Storm(t *testing.T) {
	env := newTestEnv(t, demo.EnvOptions{Opportunities: 8})
	r := startDaemon(t, env, false)
	r.waitBackfill()
	r.waitIdle()

	for i, retryAfter := range []bool{true, false} {
		env.Lever.SetRetryAfter(retryAfter)
		env.Lever.Force429(time.Second)
		churn(t, r, 2, time.Duration(40+i)*time.Hour)
		waitVerified(t, env, 20*time.Second)
		r.waitIdle()
	}
	stats := env.Lever.Stats()
	if stats.TooMany == 0 {
		t.Fatalf("429 answers: got 0, want some")
	}
	if stats.PeakRPS > 20 {
		t.Fatalf("peak requests per second: got %d, want at most 20", stats.PeakRPS)
	}
	if n := r.d.Status().DeadLetter; n != 0 {
		t.Fatalf("dead letters: got %d, want 0", n)
	}
}

func TestDaemon_Run_ForwardsDeliveries(t *testing.T) {
	env := newTestEnv(t, demo.EnvOptions{Forward: true})
	r := startDaemon(t, env, true)
	sent := map[string][][]byte{}
	total := 0
	deliver := func(oppID string, body []byte, event string) {
		r.send(levertestDelivery(event, body))
		sent[oppID] = append(sent[oppID], body)
		total++
	}

	// The first relay meets a failing receiver while Lever holds the sync back.
	opp := firstOpportunity(t, env, 0)
	env.Lever.Force429(500 * time.Millisecond)
	env.BrightHire.FailNext(2, http.StatusServiceUnavailable)
	d := env.Lever.ChangeStage(opp.ID)
	deliver(opp.ID, d.Body, d.Event)
	waitFor(t, 15*time.Second, "forward after failures", func() (bool, string) {
		return len(env.BrightHire.Forwarded()) == 1, fmt.Sprint(len(env.BrightHire.Forwarded()))
	})
	if got := routeCount(env.BrightHire.Stats().ByRoute, "POST /hooks/lever", 503, 504); got != 2 {
		t.Fatalf("failed forwards: got %d, want 2", got)
	}

	for i := range 2 {
		for k := range 3 {
			o := firstOpportunity(t, env, k)
			switch i % 2 {
			case 0:
				_, d := env.Lever.ScheduleInterview(o.ID)
				deliver(o.ID, d.Body, d.Event)
			default:
				d := env.Lever.ChangeStage(o.ID)
				deliver(o.ID, d.Body, d.Event)
			}
		}
	}
	waitFor(t, 15*time.Second, "every delivery forwarded", func() (bool, string) {
		return len(env.BrightHire.Forwarded()) >= total, fmt.Sprint(len(env.BrightHire.Forwarded()))
	})
	got := map[string][][]byte{}
	for _, f := range env.BrightHire.Forwarded() {
		if f.ContentType != "application/json" {
			t.Fatalf("forwarded content type: got %q, want application/json", f.ContentType)
		}
		ev, err := lever.ParseEvent(f.Body)
		if err != nil {
			t.Fatalf("forwarded body: %v", err)
		}
		got[ev.OpportunityID()] = append(got[ev.OpportunityID()], f.Body)
	}
	for oppID, want := range sent {
		if len(got[oppID]) != len(want) {
			t.Fatalf("forwards of %s: got %d, want %d", oppID, len(got[oppID]), len(want))
		}
		for i := range want {
			if !bytes.Equal(got[oppID][i], want[i]) {
				t.Fatalf("forward %d of %s: got %s, want %s", i, oppID, got[oppID][i], want[i])
			}
		}
	}
	r.waitIdle()
	if n := r.d.Status().DeadLetter; n != 0 {
		t.Fatalf("dead letters: got %d, want 0", n)
	}
}

func TestDaemon_Run_Lifecycle(t *testing.T) {
	env := newTestEnv(t, demo.EnvOptions{})
	r := startDaemon(t, env, true)
	resp, err := http.Get(env.AdminURL + "/readyz")
	if err != nil {
		t.Fatalf("readyz: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("readyz while running: got %d, want 200", resp.StatusCode)
	}
	wantStates := func(want ...string) {
		t.Helper()
		if got := r.notes.list(); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("notify states: got %v, want %v", got, want)
		}
	}
	wantStates("READY=1")

	// An unchanged rewrite does nothing.
	if err := env.WriteConfig(""); err != nil {
		t.Fatalf("rewrite config: %v", err)
	}
	if err := r.d.Reload(); err != nil {
		t.Fatalf("reload unchanged: %v", err)
	}
	wantStates("READY=1")

	// A changed schedule is applied.
	editConfig(t, env, `reconcile = "@every 1h"`, `reconcile = "@every 2h"`)
	if err := r.d.Reload(); err != nil {
		t.Fatalf("reload changed: %v", err)
	}
	if got := r.d.Config().Schedule.Reconcile; got != "@every 2h" {
		t.Fatalf("reconcile schedule: got %q, want @every 2h", got)
	}
	wantStates("READY=1", "RELOADING=1", "READY=1")

	// An invalid edit is refused and the running config kept, until a good one arrives.
	if err := env.WriteConfig("\nthis is not toml ===\n"); err != nil {
		t.Fatalf("write bad config: %v", err)
	}
	if err := r.d.Reload(); err == nil {
		t.Fatalf("reload of an invalid config: got nil error")
	}
	if st := r.d.Status().Config; st.ReloadOK || r.d.Config().Schedule.Reconcile != "@every 2h" {
		t.Fatalf("after a bad reload: reload ok %v, schedule %q", st.ReloadOK, r.d.Config().Schedule.Reconcile)
	}
	wantStates("READY=1", "RELOADING=1", "READY=1")
	if err := env.WriteConfig(""); err != nil {
		t.Fatalf("write good config: %v", err)
	}
	waitFor(t, 5*time.Second, "good config reloaded", func() (bool, string) {
		_ = r.d.Reload()
		st := r.d.Status().Config
		return st.ReloadOK && r.d.Config().Schedule.Reconcile == "@every 1h", st.ReloadError
	})
	wantStates("READY=1", "RELOADING=1", "READY=1", "RELOADING=1", "READY=1")

	start := time.Now()
	r.stop()
	if took := time.Since(start); took > r.d.Config().ShutdownTimeout {
		t.Fatalf("shutdown took %s, over the %s timeout", took, r.d.Config().ShutdownTimeout)
	}
	if r.d.Ready() {
		t.Fatalf("ready after run returned: got true, want false")
	}
	wantStates("READY=1", "RELOADING=1", "READY=1", "RELOADING=1", "READY=1", "STOPPING=1")
}

// levertestDelivery rebuilds a delivery from its parts.
func levertestDelivery(event string, body []byte) levertest.Delivery {
	return levertest.Delivery{Event: event, Body: body}
}
