package daemon

import (
	"strings"
	"testing"
	"time"

	"github.com/leverbright/leverbright/brighthire"
	"github.com/leverbright/leverbright/lever"
)

func testOpportunity() lever.Opportunity {
	return lever.Opportunity{
		ID: "opp-1", Name: "Cheryl Goh", Emails: []string{"c@example.com"},
		Contact:      lever.ContactRef{ID: "contact-1"},
		Stage:        lever.StageRef{ID: "st-1", Stage: &lever.Stage{ID: "st-1", Text: "On-site"}},
		Applications: []lever.ApplicationRef{{ID: "app-1", Application: &lever.Application{Posting: "post-1"}}},
		UpdatedAt:    lever.Time(1628587621571),
	}
}

func TestToInterview_Fields(t *testing.T) {
	loc := "Room 4"
	canceled := lever.Time(1628587700000)
	base := lever.Interview{
		ID: "iv-1", Panel: "panel-1", Subject: "On-site", Timezone: "Europe/Kiev",
		FeedbackTemplate: "tpl-1", Date: lever.Time(1628488800000), Duration: 30,
		CreatedAt:    lever.Time(1628587604828),
		Interviewers: []lever.Interviewer{{ID: "u-1", Name: "A B", Email: "a@example.com"}},
	}
	tests := []struct {
		name       string
		edit       func(*lever.Interview)
		wantStatus string
		wantLoc    string
		wantPost   string
	}{
		{"scheduled", func(*lever.Interview) {}, brighthire.StatusScheduled, "", "post-1"},
		{"canceled", func(iv *lever.Interview) { iv.CanceledAt = &canceled }, brighthire.StatusCanceled, "", "post-1"},
		{"location", func(iv *lever.Interview) { iv.Location = &loc }, brighthire.StatusScheduled, "Room 4", "post-1"},
		{"posting on interview", func(iv *lever.Interview) { iv.Postings = []string{"post-9"} }, brighthire.StatusScheduled, "", "post-9"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			iv := base
			tt.edit(&iv)
			got := toInterview(testOpportunity(), iv)
			if got.Status != tt.wantStatus || got.Location != tt.wantLoc || got.PositionExternalID != tt.wantPost {
				t.Fatalf("status, location, posting: got %q %q %q, want %q %q %q",
					got.Status, got.Location, got.PositionExternalID, tt.wantStatus, tt.wantLoc, tt.wantPost)
			}
			if got.DurationSeconds != 1800 || !got.StartAt.Equal(time.UnixMilli(1628488800000)) {
				t.Fatalf("duration, start: got %d %v", got.DurationSeconds, got.StartAt)
			}
			if got.CandidateExternalID != "contact-1" || got.ApplicationExternalID != "opp-1" ||
				got.CallGuideExternalID != "tpl-1" || got.External.PanelID != "panel-1" {
				t.Fatalf("links: got %+v", got)
			}
			if !got.SourceUpdatedAt.Equal(time.UnixMilli(1628587621571)) {
				t.Fatalf("source_updated_at: got %v, want the opportunity's updatedAt", got.SourceUpdatedAt)
			}
		})
	}
}

func TestHashInterview_IgnoresSourceUpdatedAt(t *testing.T) {
	iv := toInterview(testOpportunity(), lever.Interview{ID: "iv-1", Date: 1})
	later := iv
	later.SourceUpdatedAt = later.SourceUpdatedAt.Add(time.Hour)
	if hashInterview(iv) != hashInterview(later) {
		t.Fatalf("hash changed with source_updated_at only")
	}
	later.Title = "Rescheduled"
	if hashInterview(iv) == hashInterview(later) {
		t.Fatalf("hash unchanged after the title changed")
	}
}

func TestSnapshot_RoundTripKeepsCandidateHash(t *testing.T) {
	opp := testOpportunity()
	back := snapshotOf(opp).opportunity()
	if applicationHash(opp) != applicationHash(back) {
		t.Fatalf("application hash differs after a snapshot round trip")
	}
	if hashCandidate(toCandidate("contact-1", []lever.Opportunity{opp})) !=
		hashCandidate(toCandidate("contact-1", []lever.Opportunity{back})) {
		t.Fatalf("candidate hash differs after a snapshot round trip")
	}
}

func TestRenderNote_SectionsAndMarker(t *testing.T) {
	n := brighthire.Notes{
		InterviewID: "bhi_1", Version: 2, Title: "On-site interview",
		GeneratedAt:  time.Date(2026, 1, 2, 3, 9, 0, 0, time.UTC),
		Interviewers: []string{"A B", "C D"}, Summary: "Strong systems thinking.",
		Sections:     []brighthire.Section{{Title: "Architecture", Items: []string{"Sharded queue"}}, {Title: "Empty"}},
		KeyTakeaways: []string{"Hire"}, InterviewURL: "https://brighthire.example/interviews/bhi_1",
	}
	got := renderNote(n)
	for _, want := range []string{
		"BrightHire interview notes: On-site interview", "Updated notes, version 2",
		"Interviewers: A B, C D", "Summary\nStrong systems thinking.", "Architecture\n- Sharded queue",
		"Key takeaways\n- Hire", "Recording: https://brighthire.example/interviews/bhi_1",
	} {
		if !strings.Contains(got, want) {
			t.Fatalf("note lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "Empty") {
		t.Fatalf("note shows an empty section:\n%s", got)
	}
	if !strings.HasSuffix(got, NoteMarker("bhi_1", 2)) {
		t.Fatalf("note does not end in its marker:\n%s", got)
	}
}

func TestDaemon_Backoff_Capped(t *testing.T) {
	d := &Daemon{opts: Options{RetryBase: time.Second, RetryMax: time.Minute}}
	for attempts := range 40 {
		got := d.backoff(attempts)
		ceil := min(time.Second<<min(attempts, 20), time.Minute)
		if got < ceil/2 || got > ceil {
			t.Fatalf("attempt %d: backoff %v outside [%v, %v]", attempts, got, ceil/2, ceil)
		}
	}
}

func TestWebhookTarget(t *testing.T) {
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"https://lb.example.com", "https://lb.example.com/webhooks/lever", true},
		{"https://lb.example.com/", "https://lb.example.com/webhooks/lever", true},
		{"http://10.0.0.1:8080/base", "http://10.0.0.1:8080/base/webhooks/lever", true},
		{"lb.example.com", "", false},
		{"ftp://lb.example.com", "", false},
	}
	for _, tt := range tests {
		got, err := webhookTarget(tt.in)
		if (err == nil) != tt.ok || got != tt.want {
			t.Fatalf("webhookTarget(%q): got %q, %v; want %q, ok=%v", tt.in, got, err, tt.want, tt.ok)
		}
	}
}

func TestKeyedMutex_SerialisesOneKey(t *testing.T) {
	var k keyedMutex
	unlock := k.lock("a")
	other := k.lock("b") // another key is not blocked
	other()
	done := make(chan struct{})
	go func() { k.lock("a")(); close(done) }()
	select {
	case <-done:
		t.Fatalf("second lock of the same key did not wait")
	case <-time.After(20 * time.Millisecond):
	}
	unlock()
	<-done
	if len(k.locks) != 0 {
		t.Fatalf("locks left behind: %d", len(k.locks))
	}
}
