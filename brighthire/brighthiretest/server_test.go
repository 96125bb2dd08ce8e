package brighthiretest_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/leverbright/leverbright/brighthire"
	"github.com/leverbright/leverbright/brighthire/brighthiretest"
)

// clock is a settable time source.
type clock struct{ ns atomic.Int64 }

func (c *clock) now() time.Time          { return time.Unix(0, c.ns.Load()) }
func (c *clock) set(t time.Time)         { c.ns.Store(t.UnixNano()) }
func (c *clock) advance(d time.Duration) { c.ns.Add(int64(d)) }

var t0 = time.Date(2026, 1, 2, 10, 0, 0, 0, time.UTC)

func newFake(t *testing.T) (*brighthiretest.Server, *clock, *brighthire.Client) {
	t.Helper()
	clk := &clock{}
	clk.set(t0)
	srv := brighthiretest.NewServer(brighthiretest.Options{NotesDelay: 10 * time.Minute, Now: clk.now})
	t.Cleanup(srv.Close)
	c := brighthire.NewClient(srv.URL(), srv.Token(), brighthire.WithRetry(1, time.Millisecond, time.Millisecond))
	return srv, clk, c
}

func iv(id string, start time.Time, status string) brighthire.Interview {
	return brighthire.Interview{External: brighthire.LeverRef(id), Title: "Call", StartAt: start,
		Status: status, SourceUpdatedAt: start}
}

func TestServer_Notes_ReadyAfterDelay(t *testing.T) {
	srv, clk, c := newFake(t)
	ctx := context.Background()
	id, err := c.UpsertInterview(ctx, iv("a", t0.Add(time.Hour), brighthire.StatusScheduled))
	if err != nil {
		t.Fatalf("upsert: %v", err)
	}
	clk.advance(time.Hour + 9*time.Minute)
	if srv.Interviews()["a"].NotesReady {
		t.Fatalf("ready 9 minutes after start, delay is 10")
	}
	clk.advance(2 * time.Minute)
	var got []brighthire.InterviewSummary
	for it, err := range c.ReadyInterviews(ctx, t0) {
		if err != nil {
			t.Fatalf("list: %v", err)
		}
		got = append(got, it)
	}
	want := t0.Add(time.Hour + 10*time.Minute)
	if len(got) != 1 || got[0].ID != id || !got[0].UpdatedAt.Equal(want) || got[0].Notes.Version != 1 {
		t.Fatalf("ready list: got %+v, want %s ready at %v", got, id, want)
	}
}

func TestServer_Notes_NeverBeforeFirstUpsert(t *testing.T) {
	srv, clk, c := newFake(t)
	if _, err := c.UpsertInterview(context.Background(), iv("old", t0.Add(-24*time.Hour), brighthire.StatusScheduled)); err != nil {
		t.Fatalf("upsert: %v", err)
	}
	clk.advance(time.Second)
	var got []brighthire.InterviewSummary
	for it, err := range c.ReadyInterviews(context.Background(), time.Time{}) {
		if err != nil {
			t.Fatalf("list: %v", err)
		}
		got = append(got, it)
	}
	if len(got) != 1 || !got[0].UpdatedAt.Equal(t0) {
		t.Fatalf("ready list: got %+v, want ready at the first upsert %v", got, t0)
	}
	if !srv.Interviews()["old"].NotesReady {
		t.Fatalf("not ready")
	}
}

func TestServer_Notes_CanceledAndDeletedNever(t *testing.T) {
	srv, clk, c := newFake(t)
	ctx := context.Background()
	start := t0.Add(time.Hour)
	canceled := iv("canceled", start, brighthire.StatusCanceled)
	if _, err := c.UpsertInterview(ctx, canceled); err != nil {
		t.Fatalf("upsert: %v", err)
	}
	if _, err := c.UpsertInterview(ctx, iv("deleted", start, brighthire.StatusScheduled)); err != nil {
		t.Fatalf("upsert: %v", err)
	}
	if err := c.DeleteInterview(ctx, "deleted"); err != nil {
		t.Fatalf("delete: %v", err)
	}
	clk.advance(48 * time.Hour)
	for id, st := range srv.Interviews() {
		if st.NotesReady {
			t.Fatalf("%s got notes", id)
		}
	}
	if v := srv.RegenerateNotes("canceled"); v != 0 {
		t.Fatalf("regenerate canceled: got %d, want 0", v)
	}
}

func TestServer_RegenerateNotes_NewVersionListedAgain(t *testing.T) {
	srv, clk, c := newFake(t)
	ctx := context.Background()
	id, _ := c.UpsertInterview(ctx, iv("a", t0.Add(-time.Hour), brighthire.StatusScheduled))
	clk.advance(time.Hour)
	if v := srv.RegenerateNotes("a"); v != 2 {
		t.Fatalf("regenerate: got %d, want 2", v)
	}
	n, err := c.Notes(ctx, id)
	if err != nil || n.Version != 2 || !n.GeneratedAt.Equal(t0.Add(time.Hour)) {
		t.Fatalf("notes: got v%d at %v (%v), want v2 at %v", n.Version, n.GeneratedAt, err, t0.Add(time.Hour))
	}
	count := 0
	for it, err := range c.ReadyInterviews(ctx, t0.Add(30*time.Minute)) {
		if err != nil || it.Notes.Version != 2 {
			t.Fatalf("list after regeneration: got %+v, %v", it, err)
		}
		count++
	}
	if count != 1 {
		t.Fatalf("listed %d, want 1", count)
	}
}

func TestServer_Webhook_SignedAndRetried(t *testing.T) {
	srv, _, c := newFake(t)
	var calls atomic.Int32
	got := make(chan brighthire.NotesEvent, 4)
	v := &brighthire.WebhookVerifier{Secrets: []string{srv.WebhookSecret()}, Now: func() time.Time { return t0 }}
	rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) == 1 {
			w.WriteHeader(http.StatusServiceUnavailable) // the first try fails
			return
		}
		body, _ := io.ReadAll(r.Body)
		ev, err := v.Verify(r.Header, body)
		if err != nil {
			t.Errorf("verify: %v", err)
		}
		got <- ev
	}))
	defer rcv.Close()
	srv.SetNotesWebhook(rcv.URL)
	id, _ := c.UpsertInterview(context.Background(), iv("a", t0.Add(-time.Hour), brighthire.StatusScheduled))
	select {
	case ev := <-got:
		if ev.InterviewID != id || ev.NotesVersion != 1 || ev.Type != brighthire.EventNotesReady {
			t.Fatalf("event: got %+v", ev)
		}
	case <-time.After(5 * time.Second):
		t.Fatalf("no webhook after %d calls", calls.Load())
	}
	deadline := time.Now().Add(5 * time.Second)
	for srv.WebhooksSent() != 1 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond) // the count follows the receiver's answer
	}
	if n, c := srv.WebhooksSent(), calls.Load(); n != 1 || c != 2 {
		t.Fatalf("sent %d after %d calls, want 1 after 2", n, c)
	}
}

func TestServer_Auth_RejectsWithJSON(t *testing.T) {
	srv, _, _ := newFake(t)
	for _, auth := range []string{"", "Bearer nope", "bh-test-token"} {
		req, _ := http.NewRequest("GET", srv.URL()+"/v0/interviews", nil)
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatalf("get: %v", err)
		}
		var body struct {
			Error struct{ Type string } `json:"error"`
		}
		_ = json.NewDecoder(resp.Body).Decode(&body)
		resp.Body.Close()
		if resp.StatusCode != 401 || body.Error.Type != "authentication" || resp.Header.Get("X-Request-Id") == "" {
			t.Fatalf("auth %q: got %d %q", auth, resp.StatusCode, body.Error.Type)
		}
	}
}

func TestServer_Validation(t *testing.T) {
	srv, _, _ := newFake(t)
	tests := []struct {
		name, path, body string
		want             int
	}{
		{"missing external id", "/v0/positions/by-external/lever/p1", `{"title":"x"}`, 422},
		{"id differs from path", "/v0/positions/by-external/lever/p1", `{"external":{"source":"lever","id":"p2"}}`, 422},
		{"other source", "/v0/call-guides/by-external/lever/g1", `{"external":{"source":"x","id":"g1"}}`, 422},
		{"not json", "/v0/candidates/by-external/lever/c1", `{`, 400},
		{"unknown field", "/v0/candidates/by-external/lever/c1", `{"external":{"source":"lever","id":"c1"},"nmae":"x"}`, 400},
		{"application without id", "/v0/candidates/by-external/lever/c1", `{"external":{"source":"lever","id":"c1"},"applications":[{}]}`, 422},
		{"interview without start", "/v0/interviews/by-external/lever/i1", `{"external":{"source":"lever","id":"i1"},"status":"scheduled"}`, 422},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequest("PUT", srv.URL()+tt.path, bytes.NewReader([]byte(tt.body)))
			req.Header.Set("Authorization", "Bearer "+srv.Token())
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatalf("put: %v", err)
			}
			resp.Body.Close()
			if resp.StatusCode != tt.want {
				t.Fatalf("status: got %d, want %d", resp.StatusCode, tt.want)
			}
		})
	}
}

func TestServer_SetDown_RefusesThenServesSamePort(t *testing.T) {
	srv, _, c := newFake(t)
	url := srv.URL()
	srv.SetDown(true)
	err := c.DeleteInterview(context.Background(), "x")
	if err == nil || !brighthire.IsRetryable(err) {
		t.Fatalf("while down: got %v, want a retryable transport error", err)
	}
	srv.SetDown(false)
	if err := c.DeleteInterview(context.Background(), "x"); err != nil {
		t.Fatalf("after up: %v", err)
	}
	if srv.URL() != url {
		t.Fatalf("url changed: %s -> %s", url, srv.URL())
	}
}

func TestServer_Latency_Applied(t *testing.T) {
	srv, _, c := newFake(t)
	srv.SetLatency(50 * time.Millisecond)
	start := time.Now()
	_ = c.DeleteInterview(context.Background(), "x")
	if d := time.Since(start); d < 50*time.Millisecond {
		t.Fatalf("answered in %v, want at least 50ms", d)
	}
}

func TestServer_Concurrent_UpsertsAndAcks(t *testing.T) {
	srv, _, c := newFake(t)
	ctx := context.Background()
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			leverID := fmt.Sprintf("iv%d", i%5)
			id, err := c.UpsertInterview(ctx, iv(leverID, t0.Add(-time.Hour), brighthire.StatusScheduled))
			if err != nil {
				t.Errorf("upsert: %v", err)
				return
			}
			a := brighthire.Ack{Version: 1, LeverNoteID: "n-" + leverID}
			if err := c.AckNotes(ctx, id, a); err != nil {
				t.Errorf("ack: %v", err)
			}
			_ = srv.Stats()
		}()
	}
	wg.Wait()
	if n := len(srv.Acks()); n != 5 {
		t.Fatalf("acks: got %d, want 5 (one per interview)", n)
	}
	if st := srv.Stats(); st.Total != 40 {
		t.Fatalf("requests: got %d, want 40", st.Total)
	}
}
