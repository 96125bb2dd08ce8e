package brighthire_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/leverbright/leverbright/brighthire"
	"github.com/leverbright/leverbright/brighthire/brighthiretest"
)

// setup starts a fake with a short notes delay and a client with millisecond backoff.
func setup(t *testing.T, opts ...brighthire.Option) (*brighthiretest.Server, *brighthire.Client) {
	t.Helper()
	srv := brighthiretest.NewServer(brighthiretest.Options{NotesDelay: time.Millisecond})
	t.Cleanup(srv.Close)
	opts = append([]brighthire.Option{brighthire.WithRetry(4, time.Millisecond, 5*time.Millisecond)}, opts...)
	return srv, brighthire.NewClient(srv.URL(), srv.Token(), opts...)
}

var t0 = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

func position(id string, updated time.Time, title string) brighthire.Position {
	return brighthire.Position{External: brighthire.LeverRef(id), Title: title, Team: "Platform",
		RequisitionCodes: []string{"REQ-1"}, State: "published", SourceUpdatedAt: updated}
}

func interview(id string, start time.Time) brighthire.Interview {
	return brighthire.Interview{External: brighthire.LeverRef(id), Title: "On-site " + id,
		CandidateExternalID: "c1", ApplicationExternalID: "opp-" + id, CallGuideExternalID: "g1",
		StartAt: start, DurationSeconds: 1800, Status: brighthire.StatusScheduled,
		Interviewers:    []brighthire.Interviewer{{Email: "a@example.com", Name: "A B"}},
		SourceUpdatedAt: start}
}

func TestClient_UpsertPosition_OlderWriteIgnored(t *testing.T) {
	srv, c := setup(t)
	ctx := context.Background()
	steps := []struct {
		updated time.Time
		title   string
		want    string
	}{
		{t0, "first", "first"},
		{t0.Add(-time.Hour), "older", "first"},
		{t0, "equal", "equal"},
		{t0.Add(time.Hour), "newer", "newer"},
	}
	for _, s := range steps {
		if err := c.UpsertPosition(ctx, position("post/1 a", s.updated, s.title)); err != nil {
			t.Fatalf("upsert %s: %v", s.title, err)
		}
		if got := srv.Positions()["post/1 a"].Title; got != s.want {
			t.Fatalf("after %s: got %q, want %q", s.title, got, s.want)
		}
	}
}

func TestClient_UpsertPosition_SendsUTC(t *testing.T) {
	srv, c := setup(t)
	local := t0.In(time.FixedZone("X", 5*3600))
	if err := c.UpsertPosition(context.Background(), position("p1", local, "t")); err != nil {
		t.Fatalf("upsert: %v", err)
	}
	got := srv.Positions()["p1"].SourceUpdatedAt
	if got.Location() != time.UTC || !got.Equal(t0) {
		t.Fatalf("stored time: got %v, want %v in UTC", got, t0)
	}
}

func TestClient_UpsertCandidateAndCallGuide_Stored(t *testing.T) {
	srv, c := setup(t)
	ctx := context.Background()
	cand := brighthire.Candidate{External: brighthire.LeverRef("c1"), Name: "Jane Doe",
		Emails: []string{"jane@example.com"}, SourceUpdatedAt: t0,
		Applications: []brighthire.Application{{External: brighthire.LeverRef("opp1"),
			PositionExternalID: "p1", Stage: "On-site"}}}
	guide := brighthire.CallGuide{External: brighthire.LeverRef("g1"), Name: "Design",
		Questions: []brighthire.Question{{ID: "f1", Text: "Shard a queue?"}}, SourceUpdatedAt: t0}
	if err := c.UpsertCandidate(ctx, cand); err != nil {
		t.Fatalf("upsert candidate: %v", err)
	}
	if err := c.UpsertCallGuide(ctx, guide); err != nil {
		t.Fatalf("upsert call guide: %v", err)
	}
	if got := srv.Candidates()["c1"].Applications[0].Stage; got != "On-site" {
		t.Fatalf("stage: got %q, want %q", got, "On-site")
	}
	if got := srv.CallGuides()["g1"].Questions[0].Text; got != "Shard a queue?" {
		t.Fatalf("question: got %q, want %q", got, "Shard a queue?")
	}
}

func TestClient_UpsertInterview_StableID(t *testing.T) {
	srv, c := setup(t)
	ctx := context.Background()
	iv := interview("iv1", t0)
	id1, err := c.UpsertInterview(ctx, iv)
	if err != nil {
		t.Fatalf("first upsert: %v", err)
	}
	iv.Title, iv.SourceUpdatedAt = "renamed", t0.Add(time.Minute)
	id2, err := c.UpsertInterview(ctx, iv)
	if err != nil {
		t.Fatalf("second upsert: %v", err)
	}
	if id1 != id2 || !strings.HasPrefix(id1, "bhi_") {
		t.Fatalf("ids: got %q and %q, want one stable bhi_ id", id1, id2)
	}
	if got := srv.Interviews()["iv1"]; got.ID != id1 || got.Title != "renamed" {
		t.Fatalf("stored: got id %q title %q, want %q %q", got.ID, got.Title, id1, "renamed")
	}
}

func TestClient_DeleteInterview_KnownAndUnknown(t *testing.T) {
	srv, c := setup(t)
	ctx := context.Background()
	if _, err := c.UpsertInterview(ctx, interview("iv1", t0)); err != nil {
		t.Fatalf("upsert: %v", err)
	}
	for _, id := range []string{"iv1", "never-seen"} {
		if err := c.DeleteInterview(ctx, id); err != nil {
			t.Fatalf("delete %s: %v", id, err)
		}
	}
	if !srv.Interviews()["iv1"].Deleted {
		t.Fatalf("iv1 not marked deleted")
	}
	route := "DELETE /v0/interviews/by-external/lever/{id}"
	if got := srv.Stats().ByRoute[route][http.StatusNotFound]; got != 1 {
		t.Fatalf("404 answers: got %d, want 1", got)
	}
}

func TestClient_ReadyInterviews_Paginates500(t *testing.T) {
	srv, c := setup(t)
	ctx := context.Background()
	want := map[string]bool{}
	for i := range 500 {
		id, err := c.UpsertInterview(ctx, interview(fmt.Sprintf("iv%03d", i), t0.Add(-time.Hour)))
		if err != nil {
			t.Fatalf("upsert %d: %v", i, err)
		}
		want[id] = true
	}
	srv.ResetStats()
	got, prev := 0, time.Time{}
	for it, err := range c.ReadyInterviews(ctx, time.Time{}) {
		if err != nil {
			t.Fatalf("list: %v", err)
		}
		if !want[it.ID] || it.Notes.Status != brighthire.NotesReady || it.UpdatedAt.Before(prev) {
			t.Fatalf("item %d: unexpected %+v", got, it)
		}
		delete(want, it.ID)
		prev = it.UpdatedAt
		got++
	}
	if got != 500 || len(want) != 0 {
		t.Fatalf("listed %d, missing %d; want 500 and 0", got, len(want))
	}
	if pages := srv.Stats().ByRoute["GET /v0/interviews"][200]; pages != 5 {
		t.Fatalf("pages: got %d, want 5", pages)
	}
}

func TestClient_ReadyInterviews_SinceAndEarlyStop(t *testing.T) {
	srv, c := setup(t)
	ctx := context.Background()
	for i := range 150 {
		if _, err := c.UpsertInterview(ctx, interview(fmt.Sprintf("iv%d", i), t0)); err != nil {
			t.Fatalf("upsert: %v", err)
		}
	}
	srv.ResetStats()
	n := 0
	for _, err := range c.ReadyInterviews(ctx, time.Time{}) {
		if err != nil {
			t.Fatalf("list: %v", err)
		}
		if n++; n == 3 {
			break
		}
	}
	if pages := srv.Stats().Total; pages != 1 {
		t.Fatalf("requests after an early stop: got %d, want 1", pages)
	}
	for _, err := range c.ReadyInterviews(ctx, time.Now().Add(time.Hour)) {
		t.Fatalf("got an item changed after the future since (err %v)", err)
	}
}

func TestClient_Notes_FromCallGuide(t *testing.T) {
	_, c := setup(t)
	ctx := context.Background()
	guide := brighthire.CallGuide{External: brighthire.LeverRef("g1"), Name: "Design",
		Questions: []brighthire.Question{{ID: "f1", Text: "Q one"}, {ID: "f2", Text: "Q two"}}}
	if err := c.UpsertCallGuide(ctx, guide); err != nil {
		t.Fatalf("upsert guide: %v", err)
	}
	id, err := c.UpsertInterview(ctx, interview("iv1", t0))
	if err != nil {
		t.Fatalf("upsert interview: %v", err)
	}
	n, err := c.Notes(ctx, id)
	if err != nil {
		t.Fatalf("notes: %v", err)
	}
	if n.InterviewID != id || n.Version != 1 || len(n.Sections) != 2 || n.Sections[1].Title != "Q two" {
		t.Fatalf("notes: got %+v", n)
	}
	if n.External.ID != "iv1" || n.External.ApplicationID != "opp-iv1" || n.InterviewURL == "" {
		t.Fatalf("notes refs: got %+v url %q", n.External, n.InterviewURL)
	}
}

func TestClient_Notes_NotReadyIsNotFound(t *testing.T) {
	_, c := setup(t)
	ctx := context.Background()
	id, err := c.UpsertInterview(ctx, interview("iv1", time.Now().Add(time.Hour)))
	if err != nil {
		t.Fatalf("upsert: %v", err)
	}
	_, err = c.Notes(ctx, id)
	if !errors.Is(err, brighthire.ErrNotFound) || !brighthire.IsPermanent(err) {
		t.Fatalf("notes of a future interview: got %v, want ErrNotFound", err)
	}
}

// readyInterview upserts one interview whose notes are ready and returns its id.
func readyInterview(t *testing.T, c *brighthire.Client, leverID string) string {
	t.Helper()
	id, err := c.UpsertInterview(context.Background(), interview(leverID, t0))
	if err != nil {
		t.Fatalf("upsert: %v", err)
	}
	return id
}

func TestClient_AckNotes_RepeatCountsOnce(t *testing.T) {
	srv, c := setup(t)
	id := readyInterview(t, c, "iv1")
	a := brighthire.Ack{Version: 1, LeverNoteID: "note-1", OpportunityID: "opp-iv1"}
	for range 3 {
		if err := c.AckNotes(context.Background(), id, a); err != nil {
			t.Fatalf("ack: %v", err)
		}
	}
	if got := srv.AckCount(id, 1); got != 1 {
		t.Fatalf("acks: got %d, want 1", got)
	}
	acks := srv.Acks()
	if acks[0].Key != brighthire.IdempotencyKey(id, 1) || acks[0].LeverNoteID != "note-1" {
		t.Fatalf("stored ack: got %+v", acks[0])
	}
}

func TestClient_AckNotes_LostAnswerRetried(t *testing.T) {
	tests := []struct {
		name   string
		inject func(*brighthiretest.Server)
	}{
		{"answer lost after processing", func(s *brighthiretest.Server) { s.FailNextAfterProcessing(1, 503) }},
		{"503 before processing", func(s *brighthiretest.Server) { s.FailNext(1, 503) }},
		{"429 before processing", func(s *brighthiretest.Server) { s.Fail429(1, 0) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, c := setup(t)
			id := readyInterview(t, c, "iv1")
			tt.inject(srv)
			a := brighthire.Ack{Version: 1, LeverNoteID: "note-1", OpportunityID: "opp"}
			if err := c.AckNotes(context.Background(), id, a); err != nil {
				t.Fatalf("ack: %v", err)
			}
			route := srv.Stats().ByRoute["POST /v0/interviews/{id}/notes/acks"]
			if got := route[201]; got != 1 {
				t.Fatalf("201 answers: got %d, want 1 (%v)", got, route)
			}
			if got := srv.AckCount("iv1", 1); got != 1 {
				t.Fatalf("acks: got %d, want 1", got)
			}
		})
	}
}

func TestClient_AckNotes_Validation(t *testing.T) {
	_, c := setup(t)
	id := readyInterview(t, c, "iv1")
	ctx := context.Background()
	err := c.AckNotes(ctx, id, brighthire.Ack{Version: 7, LeverNoteID: "n"})
	if !errors.Is(err, brighthire.ErrInvalidRequest) {
		t.Fatalf("ack of an ungenerated version: got %v, want ErrInvalidRequest", err)
	}
	err = c.AckNotes(ctx, "bhi_nope", brighthire.Ack{Version: 1, LeverNoteID: "n"})
	if !errors.Is(err, brighthire.ErrNotFound) {
		t.Fatalf("ack of an unknown interview: got %v, want ErrNotFound", err)
	}
}

func TestIdempotencyKey_Derivation(t *testing.T) {
	if got, want := brighthire.IdempotencyKey("bhi_123", 2), "ack-74d6f5df150122039b3c9263566f3c4d"; got != want {
		t.Fatalf("key: got %q, want %q", got, want)
	}
	if brighthire.IdempotencyKey("bhi_123", 2) == brighthire.IdempotencyKey("bhi_123", 3) {
		t.Fatalf("versions share a key")
	}
	if brighthire.IdempotencyKey("a1", 2) == brighthire.IdempotencyKey("a", 12) {
		t.Fatalf("separator missing: ids collide")
	}
}

// syncBuffer is a log sink safe for concurrent writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
