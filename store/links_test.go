package store

import (
	"errors"
	"fmt"
	"testing"
	"time"
)

// linkIDs returns the interview ids of links.
func linkIDs(links []InterviewLink) string {
	return fmt.Sprint(func() []string {
		out := make([]string, len(links))
		for i, l := range links {
			out[i] = l.InterviewID
		}
		return out
	}())
}

func TestStore_PutInterviewLink_MaintainsIndexes(t *testing.T) {
	s := openTest(t)
	put := func(l InterviewLink) {
		t.Helper()
		if err := s.PutInterviewLink(l); err != nil {
			t.Fatal(err)
		}
	}
	put(InterviewLink{InterviewID: "iv1", OpportunityID: "opp1", BrightHireID: "bh1", Hash: "h1",
		UpdatedAt: testNow})
	put(InterviewLink{InterviewID: "iv2", OpportunityID: "opp1", BrightHireID: "bh2"})
	put(InterviewLink{InterviewID: "iv3", OpportunityID: "opp10"})

	got, err := s.InterviewsOf("opp1")
	if err != nil || linkIDs(got) != "[iv1 iv2]" {
		t.Fatalf("InterviewsOf(opp1): got %s, %v, want [iv1 iv2]", linkIDs(got), err)
	}
	if got[0].Hash != "h1" || !got[0].UpdatedAt.Equal(testNow) || got[0].BrightHireID != "bh1" {
		t.Fatalf("link fields: got %+v", got[0])
	}

	// Moving iv2 to another opportunity and BrightHire id drops the old entries.
	put(InterviewLink{InterviewID: "iv2", OpportunityID: "opp2", BrightHireID: "bh2b"})
	if got, _ := s.InterviewsOf("opp1"); linkIDs(got) != "[iv1]" {
		t.Fatalf("InterviewsOf(opp1) after move: got %s, want [iv1]", linkIDs(got))
	}
	if got, _ := s.InterviewsOf("opp2"); linkIDs(got) != "[iv2]" {
		t.Fatalf("InterviewsOf(opp2): got %s, want [iv2]", linkIDs(got))
	}
	if _, ok, _ := s.LinkByBrightHireID("bh2"); ok {
		t.Fatalf("LinkByBrightHireID(bh2) after change: still found")
	}
	l, ok, err := s.LinkByBrightHireID("bh2b")
	if err != nil || !ok || l.InterviewID != "iv2" {
		t.Fatalf("LinkByBrightHireID(bh2b): got %+v, %v, %v", l, ok, err)
	}
	if err := s.PutInterviewLink(InterviewLink{}); err == nil {
		t.Fatalf("link without id: got nil error")
	}
}

func TestStore_TombstoneInterview_KeepsLink(t *testing.T) {
	s := openTest(t)
	if err := s.PutInterviewLink(InterviewLink{InterviewID: "iv1", OpportunityID: "opp1",
		BrightHireID: "bh1"}); err != nil {
		t.Fatal(err)
	}
	if err := s.PutInterviewLink(InterviewLink{InterviewID: "iv2", OpportunityID: "opp1"}); err != nil {
		t.Fatal(err)
	}
	at := testNow.Add(time.Hour)

	if err := s.TombstoneInterview("iv1", at); err != nil {
		t.Fatal(err)
	}
	if err := s.TombstoneInterview("never-linked", at); err != nil {
		t.Fatal(err)
	}

	l, ok, err := s.InterviewLink("iv1")
	if err != nil || !ok || !l.Deleted || !l.UpdatedAt.Equal(at) || l.BrightHireID != "bh1" {
		t.Fatalf("tombstone: got %+v, %v, %v", l, ok, err)
	}
	if l, ok, _ := s.InterviewLink("never-linked"); !ok || !l.Deleted {
		t.Fatalf("tombstone of unlinked interview: got %+v, %v", l, ok)
	}
	if got, _ := s.InterviewsOf("opp1"); linkIDs(got) != "[iv1 iv2]" || !got[0].Deleted {
		t.Fatalf("InterviewsOf keeps tombstones: got %+v", got)
	}
	live, dead, err := s.CountInterviews()
	if err != nil || live != 1 || dead != 2 {
		t.Fatalf("CountInterviews: got %d live, %d tombstones, %v, want 1, 2", live, dead, err)
	}
}

func TestStore_ForEachOpportunity_VisitsAllInOrder(t *testing.T) {
	s := openTest(t)
	const n = forEachPage*2 + 7
	for i := range n {
		o := OpportunityState{ID: fmt.Sprintf("opp%05d", i), ContactID: "c", UpdatedAt: int64(i),
			Deleted: i%3 == 0}
		if err := s.PutOpportunity(o); err != nil {
			t.Fatal(err)
		}
	}

	var seen []OpportunityState
	err := s.ForEachOpportunity(func(o OpportunityState) error {
		seen = append(seen, o)
		return nil
	})
	if err != nil || len(seen) != n {
		t.Fatalf("ForEachOpportunity: got %d, %v, want %d", len(seen), err, n)
	}
	for i, o := range seen {
		want := OpportunityState{ID: fmt.Sprintf("opp%05d", i), ContactID: "c", UpdatedAt: int64(i),
			Deleted: i%3 == 0}
		if o != want {
			t.Fatalf("opportunity %d: got %+v, want %+v", i, o, want)
		}
	}

	stop := errors.New("stop")
	calls := 0
	err = s.ForEachOpportunity(func(OpportunityState) error { calls++; return stop })
	if !errors.Is(err, stop) || calls != 1 {
		t.Fatalf("ForEachOpportunity stop: got %v after %d calls", err, calls)
	}
	o, ok, err := s.Opportunity("opp00004")
	if err != nil || !ok || o.UpdatedAt != 4 {
		t.Fatalf("Opportunity: got %+v, %v, %v", o, ok, err)
	}
}

func TestStore_PushedHash_ByKind(t *testing.T) {
	s := openTest(t)
	if err := s.SetPushedHash("posting", "p1", "h1"); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		kind, id, want string
		ok             bool
	}{
		{"posting", "p1", "h1", true},
		{"contact", "p1", "", false},
		{"posting", "p2", "", false},
	}
	for _, tt := range tests {
		got, ok, err := s.PushedHash(tt.kind, tt.id)
		if err != nil || got != tt.want || ok != tt.ok {
			t.Fatalf("PushedHash(%s, %s): got %q, %v, %v, want %q, %v", tt.kind, tt.id, got, ok, err,
				tt.want, tt.ok)
		}
	}
}
