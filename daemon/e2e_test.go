package daemon_test

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/leverbright/leverbright/brighthire"
	"github.com/leverbright/leverbright/brighthire/brighthiretest"
	"github.com/leverbright/leverbright/daemon"
	"github.com/leverbright/leverbright/demo"
	"github.com/leverbright/leverbright/lever"
)

// scheduled schedules an interview on opp in Lever, delivers its webhook and waits until
// BrightHire holds it.
func scheduled(t *testing.T, r *running, oppID string) lever.Interview {
	t.Helper()
	iv, del := r.env.Lever.ScheduleInterview(oppID)
	r.send(del)
	bhInterview(t, r.env, iv.ID, func(s brighthiretest.StoredInterview) bool { return !s.Deleted })
	return iv
}

func TestDaemon_Run_EventKinds(t *testing.T) {
	env := newTestEnv(t, demo.EnvOptions{})
	r := startDaemon(t, env, true)
	lc := leverClient(env)
	ctx := context.Background()

	tests := []struct {
		name string
		run  func(t *testing.T)
	}{
		{"applicationCreated", func(t *testing.T) {
			opp, del := env.Lever.CreateApplication()
			r.send(del)
			full, err := lc.GetOpportunity(ctx, opp.ID, "applications")
			if err != nil {
				t.Fatalf("read opportunity: %v", err)
			}
			posting := full.Applications[0].Application.Posting
			waitFor(t, 15*time.Second, "candidate with application", func() (bool, string) {
				c, ok := env.BrightHire.Candidates()[opp.Contact.ID]
				for _, a := range c.Applications {
					if a.External.ID == opp.ID && a.PositionExternalID == posting {
						_, pos := env.BrightHire.Positions()[posting]
						return pos, "position missing"
					}
				}
				return false, fmt.Sprintf("present %v: %+v", ok, c)
			})
		}},
		{"interviewCreated", func(t *testing.T) {
			opp := firstOpportunity(t, env, 0)
			iv := scheduled(t, r, opp.ID)
			got := env.BrightHire.Interviews()[iv.ID]
			want := []string{opp.Contact.ID, opp.ID, iv.Postings[0], iv.FeedbackTemplate, brighthire.StatusScheduled}
			have := []string{got.CandidateExternalID, got.ApplicationExternalID, got.PositionExternalID,
				got.CallGuideExternalID, got.Status}
			if fmt.Sprint(have) != fmt.Sprint(want) {
				t.Fatalf("links: got %v, want %v", have, want)
			}
			if !got.StartAt.Equal(iv.Date.Time()) {
				t.Fatalf("start: got %v, want %v", got.StartAt, iv.Date.Time())
			}
			if len(got.Interviewers) != len(iv.Interviewers) || len(iv.Interviewers) == 0 {
				t.Fatalf("interviewers: got %d, want %d", len(got.Interviewers), len(iv.Interviewers))
			}
			for i, p := range iv.Interviewers {
				if got.Interviewers[i].Email != p.Email || got.Interviewers[i].ExternalUserID != p.ID {
					t.Fatalf("interviewer %d: got %+v, want %+v", i, got.Interviewers[i], p)
				}
			}
			if _, ok := env.BrightHire.CallGuides()[iv.FeedbackTemplate]; !ok {
				t.Fatalf("call guide %s not in brighthire", iv.FeedbackTemplate)
			}
			if _, ok := env.BrightHire.Positions()[iv.Postings[0]]; !ok {
				t.Fatalf("position %s not in brighthire", iv.Postings[0])
			}
		}},
		{"interviewUpdated reschedule", func(t *testing.T) {
			opp := firstOpportunity(t, env, 1)
			iv := scheduled(t, r, opp.ID)
			at := time.Now().Add(72 * time.Hour).Truncate(time.Minute)
			r.send(env.Lever.RescheduleInterview(opp.ID, iv.ID, at))
			bhInterview(t, env, iv.ID, func(s brighthiretest.StoredInterview) bool { return s.StartAt.Equal(at) })
		}},
		{"interviewUpdated cancel", func(t *testing.T) {
			opp := firstOpportunity(t, env, 2)
			iv := scheduled(t, r, opp.ID)
			r.send(env.Lever.CancelInterview(opp.ID, iv.ID))
			bhInterview(t, env, iv.ID, func(s brighthiretest.StoredInterview) bool {
				return s.Status == brighthire.StatusCanceled
			})
		}},
		{"interviewDeleted", func(t *testing.T) {
			opp := firstOpportunity(t, env, 3)
			iv := scheduled(t, r, opp.ID)
			r.send(env.Lever.DeleteInterview(opp.ID, iv.ID))
			bhInterview(t, env, iv.ID, func(s brighthiretest.StoredInterview) bool { return s.Deleted })
		}},
		{"candidateStageChange", func(t *testing.T) {
			opp := firstOpportunity(t, env, 4)
			r.send(env.Lever.ChangeStage(opp.ID))
			now, err := lc.GetOpportunity(ctx, opp.ID, "stage")
			if err != nil || now.Stage.Stage == nil {
				t.Fatalf("read opportunity stage: %v", err)
			}
			want := now.Stage.Stage.Text
			waitFor(t, 15*time.Second, "application stage "+want, func() (bool, string) {
				c := env.BrightHire.Candidates()[opp.Contact.ID]
				for _, a := range c.Applications {
					if a.External.ID == opp.ID {
						return a.Stage == want, a.Stage
					}
				}
				return false, fmt.Sprintf("%+v", c)
			})
		}},
		{"candidateDeleted", func(t *testing.T) {
			opp := firstOpportunity(t, env, 5)
			a, b := scheduled(t, r, opp.ID), scheduled(t, r, opp.ID)
			r.send(env.Lever.DeleteOpportunity(opp.ID))
			for _, id := range []string{a.ID, b.ID} {
				bhInterview(t, env, id, func(s brighthiretest.StoredInterview) bool { return s.Deleted })
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, tt.run)
	}
	r.waitIdle()
	if n := r.d.Status().DeadLetter; n != 0 {
		t.Fatalf("dead letters: got %d, want 0", n)
	}
}

func TestDaemon_Run_DuplicateDeliveryProcessedOnce(t *testing.T) {
	env := newTestEnv(t, demo.EnvOptions{})
	r := startDaemon(t, env, true)
	opp := firstOpportunity(t, env, 0)
	iv, del := env.Lever.ScheduleInterview(opp.ID)
	env.Lever.ResetStats()
	env.BrightHire.ResetStats()

	r.send(del)
	r.send(del)
	bhInterview(t, env, iv.ID, func(s brighthiretest.StoredInterview) bool { return !s.Deleted })
	r.waitIdle()

	if got := env.Lever.Stats().ByRoute["GET /opportunities/:id/interviews/:id"][http.StatusOK]; got != 1 {
		t.Fatalf("lever interview reads: got %d, want 1", got)
	}
	put := "PUT /v0/interviews/by-external/lever/{id}"
	if got := env.BrightHire.Stats().ByRoute[put][http.StatusOK]; got != 1 {
		t.Fatalf("brighthire interview upserts: got %d, want 1", got)
	}
	if got := r.d.Status().Deliveries.Accepted; got != 2 {
		t.Fatalf("accepted deliveries: got %d, want 2", got)
	}
}

func TestDaemon_Run_ReorderedDeliveries(t *testing.T) {
	env := newTestEnv(t, demo.EnvOptions{})
	r := startDaemon(t, env, true)

	t.Run("deleted before stale update", func(t *testing.T) {
		opp := firstOpportunity(t, env, 0)
		iv := scheduled(t, r, opp.ID)
		update := env.Lever.RescheduleInterview(opp.ID, iv.ID, time.Now().Add(48*time.Hour))
		deleted := env.Lever.DeleteInterview(opp.ID, iv.ID)
		r.send(deleted)
		r.send(update)
		r.waitIdle()
		bhInterview(t, env, iv.ID, func(s brighthiretest.StoredInterview) bool { return s.Deleted })
	})
	t.Run("deleted before stale create", func(t *testing.T) {
		opp := firstOpportunity(t, env, 1)
		iv, created := env.Lever.ScheduleInterview(opp.ID)
		deleted := env.Lever.DeleteInterview(opp.ID, iv.ID)
		r.send(deleted)
		r.send(created)
		r.waitIdle()
		if got, ok := env.BrightHire.Interviews()[iv.ID]; ok && !got.Deleted {
			t.Fatalf("interview %s: live in brighthire after its deletion", iv.ID)
		}
	})
	t.Run("two updates out of order", func(t *testing.T) {
		opp := firstOpportunity(t, env, 2)
		iv := scheduled(t, r, opp.ID)
		first := time.Now().Add(24 * time.Hour).Truncate(time.Minute)
		second := first.Add(3 * time.Hour)
		older := env.Lever.RescheduleInterview(opp.ID, iv.ID, first)
		newer := env.Lever.RescheduleInterview(opp.ID, iv.ID, second)
		r.send(newer)
		r.send(older)
		r.send(older)
		r.waitIdle()
		bhInterview(t, env, iv.ID, func(s brighthiretest.StoredInterview) bool { return s.StartAt.Equal(second) })
	})
	if n := r.d.Status().DeadLetter; n != 0 {
		t.Fatalf("dead letters: got %d, want 0", n)
	}
}

func TestDaemon_Run_ReconcileCatchesLostWebhook(t *testing.T) {
	env := newTestEnv(t, demo.EnvOptions{Opportunities: 12,
		Schedule: demo.Schedule{Reconcile: "@every 1s", FullResync: "0 3 * * 0", Notes: "@every 1h"}})
	r := startDaemon(t, env, false)
	r.waitBackfill()
	r.waitIdle()
	before := r.d.Status().Links.CaughtByReconciling

	opp := firstOpportunity(t, env, 0)
	iv := env.Lever.Interviews(opp.ID)[0]
	at := time.Now().Add(96 * time.Hour).Truncate(time.Minute)
	_ = env.Lever.RescheduleInterview(opp.ID, iv.ID, at) // the webhook is lost
	bhInterview(t, env, iv.ID, func(s brighthiretest.StoredInterview) bool { return s.StartAt.Equal(at) })
	waitVerified(t, env, 10*time.Second)
	if got := r.d.Status().Links.CaughtByReconciling; got <= before {
		t.Fatalf("caught by reconciling: got %d, want more than %d", got, before)
	}
}

// heldNow moves n interviews of the simulated Lever that are not canceled to now, so that
// BrightHire records them and produces notes.
func heldNow(t *testing.T, env *demo.Env, n int) []lever.Interview {
	t.Helper()
	var held []lever.Interview
	// A little ahead, so that no rounding puts them before BrightHire started recording.
	now := time.Now().Add(500 * time.Millisecond).Truncate(time.Millisecond)
	for oppID, ivs := range env.Lever.AllInterviews() {
		for _, iv := range ivs {
			if len(held) == n || (iv.CanceledAt != nil && *iv.CanceledAt != 0) {
				continue
			}
			env.Lever.RescheduleInterview(oppID, iv.ID, now)
			held = append(held, iv)
		}
	}
	if len(held) < n {
		t.Fatalf("interviews to hold: got %d, want %d", len(held), n)
	}
	return held
}

func TestDaemon_Run_NotesWrittenOnce(t *testing.T) {
	env := newTestEnv(t, demo.EnvOptions{Opportunities: 30, NotesDelay: 100 * time.Millisecond})
	held := heldNow(t, env, 50)
	r := startDaemon(t, env, false)
	r.waitBackfill()

	var c demo.Check
	waitFor(t, 30*time.Second, "50 notes in lever", func() (bool, string) {
		c = env.Verify()
		return c.OK() && c.NotesInLever >= 50, fmt.Sprintf("%d notes, %v", c.NotesInLever, c.Problems)
	})
	if c.NotesDuplicated != 0 {
		t.Fatalf("notes: got %d in lever, %d duplicated; want >= 50 and 0", c.NotesInLever, c.NotesDuplicated)
	}
	for _, iv := range held {
		bh := env.BrightHire.Interviews()[iv.ID]
		if got := countMarkers(env, daemon.NoteMarker(bh.ID, 1)); got != 1 {
			t.Fatalf("notes v1 of %s: got %d notes, want 1", iv.ID, got)
		}
	}

	first := env.BrightHire.Interviews()[held[0].ID]
	opp := first.ApplicationExternalID
	before := env.Lever.Notes(opp)
	if v := env.BrightHire.RegenerateNotes(held[0].ID); v != 2 {
		t.Fatalf("regenerate notes: got version %d, want 2", v)
	}
	waitFor(t, 15*time.Second, "notes v2 in lever", func() (bool, string) {
		n := countMarkers(env, daemon.NoteMarker(first.ID, 2))
		return n == 1, fmt.Sprintf("%d notes", n)
	})
	after := env.Lever.Notes(opp)
	if len(after) != len(before)+1 {
		t.Fatalf("notes of %s: got %d, want %d", opp, len(after), len(before)+1)
	}
	for i, n := range before {
		if after[i].ID != n.ID || after[i].Body() != n.Body() {
			t.Fatalf("note %s changed after a new notes version", n.ID)
		}
	}
	if got := countMarkers(env, daemon.NoteMarker(first.ID, 1)); got != 1 {
		t.Fatalf("notes v1 after v2: got %d notes, want 1", got)
	}
	waitVerified(t, env, 10*time.Second)
}
