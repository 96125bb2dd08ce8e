package store

import "testing"

func TestStore_PutNoteRecord_WriteBackStates(t *testing.T) {
	s := openTest(t)
	put := func(r NoteRecord) {
		t.Helper()
		if err := s.PutNoteRecord(r); err != nil {
			t.Fatal(err)
		}
	}
	put(NoteRecord{InterviewID: "bh1", Version: 1, OpportunityID: "opp1", State: NoteIntended,
		UpdatedAt: testNow})
	put(NoteRecord{InterviewID: "bh1", Version: 2, OpportunityID: "opp1", State: NoteIntended})
	put(NoteRecord{InterviewID: "bh2", Version: 1, OpportunityID: "opp2", State: NoteIntended})

	// Version 1 of bh1 is written to Lever, then acknowledged.
	put(NoteRecord{InterviewID: "bh1", Version: 1, OpportunityID: "opp1", State: NoteWritten,
		LeverNoteID: "note-9", UpdatedAt: testNow})
	put(NoteRecord{InterviewID: "bh2", Version: 1, OpportunityID: "opp2", State: NoteAcked,
		LeverNoteID: "note-10"})

	r, ok, err := s.NoteRecord("bh1", 1)
	want := NoteRecord{InterviewID: "bh1", Version: 1, OpportunityID: "opp1", State: NoteWritten,
		LeverNoteID: "note-9", UpdatedAt: testNow}
	if err != nil || !ok || r != want {
		t.Fatalf("NoteRecord(bh1, 1): got %+v, %v, %v, want %+v", r, ok, err, want)
	}
	if _, ok, _ := s.NoteRecord("bh1", 3); ok {
		t.Fatalf("NoteRecord(bh1, 3): found, want missing")
	}

	counts, err := s.CountNotes()
	if err != nil {
		t.Fatal(err)
	}
	for state, want := range map[NoteState]int{NoteIntended: 1, NoteWritten: 1, NoteAcked: 1} {
		if counts[state] != want {
			t.Fatalf("CountNotes[%d]: got %d, want %d", state, counts[state], want)
		}
	}
}
