package brighthiretest

import (
	"context"
	"testing"
	"time"

	"github.com/leverbright/leverbright/brighthire"
)

func TestServer_RecordingSince_SkipsEarlierInterviews(t *testing.T) {
	since := time.Now()
	s := NewServer(Options{NotesDelay: time.Millisecond, RecordingSince: since})
	defer s.Close()
	c := brighthire.NewClient(s.URL(), s.Token())
	ctx := context.Background()
	for id, start := range map[string]time.Time{"before": since.Add(-time.Hour), "after": since.Add(time.Second)} {
		iv := brighthire.Interview{
			External: brighthire.LeverRef(id), CandidateExternalID: "c", ApplicationExternalID: "o",
			Title: id, StartAt: start, DurationSeconds: 60, Status: brighthire.StatusScheduled,
		}
		if _, err := c.UpsertInterview(ctx, iv); err != nil {
			t.Fatalf("upsert %s: %v", id, err)
		}
	}
	deadline := time.Now().Add(5 * time.Second)
	for !s.Interviews()["after"].NotesReady && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	got := s.Interviews()
	if !got["after"].NotesReady {
		t.Fatalf("interview after RecordingSince: notes not ready")
	}
	if got["before"].NotesReady {
		t.Fatalf("interview before RecordingSince: notes ready, want none")
	}
}
