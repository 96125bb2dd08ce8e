package store

import (
	"testing"
	"time"
)

func TestStore_SetCursor_RoundTrips(t *testing.T) {
	s := openTest(t)
	if _, ok, err := s.Cursor(CursorReconcile); err != nil || ok {
		t.Fatalf("unset cursor: got ok %v, %v", ok, err)
	}
	at := time.Date(2025, 1, 2, 3, 4, 5, 6, time.UTC)
	if err := s.SetCursor(CursorReconcile, at); err != nil {
		t.Fatal(err)
	}

	got, ok, err := s.Cursor(CursorReconcile)
	if err != nil || !ok || !got.Equal(at) {
		t.Fatalf("Cursor: got %v, %v, %v, want %v", got, ok, err, at)
	}
	if _, ok, _ := s.Cursor(CursorNotes); ok {
		t.Fatalf("Cursor(notes): set by another name")
	}
}

func TestStore_SetNeedsFullResync_Toggles(t *testing.T) {
	s := openTest(t)
	for _, want := range []bool{false, true, false} {
		if err := s.SetNeedsFullResync(want); err != nil {
			t.Fatal(err)
		}
		if got, err := s.NeedsFullResync(); err != nil || got != want {
			t.Fatalf("NeedsFullResync: got %v, %v, want %v", got, err, want)
		}
	}
}

func TestStore_PutWebhook_ListAndDelete(t *testing.T) {
	s := openTest(t)
	subs := []WebhookSub{
		{ID: "w1", Event: "interviewCreated", URL: "https://sync.example/lever", SigningToken: "t1",
			CreatedAt: testNow},
		{ID: "w2", Event: "interviewDeleted", URL: "https://sync.example/lever", SigningToken: "t2"},
	}
	for _, w := range subs {
		if err := s.PutWebhook(w); err != nil {
			t.Fatal(err)
		}
	}

	got, err := s.Webhooks()
	if err != nil || len(got) != 2 || got[0] != subs[0] || got[1] != subs[1] {
		t.Fatalf("Webhooks: got %+v, %v", got, err)
	}
	if err := s.DeleteWebhook("w1"); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Webhooks(); len(got) != 1 || got[0].ID != "w2" {
		t.Fatalf("Webhooks after delete: got %+v", got)
	}
}
