package daemon_test

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/leverbright/leverbright/brighthire"
	"github.com/leverbright/leverbright/brighthire/brighthiretest"
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
