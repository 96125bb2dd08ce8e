package levertest

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/leverbright/leverbright/lever"
)

// newOpportunity creates and stores (without indexing) an opportunity of c
// created at created. Older ones get interviews, notes and maybe an archive
// state; callers hold s.mu (or generate).
func (s *Server) newOpportunity(c lever.Contact, created, now time.Time) *opp {
	posting := s.postings[s.rng.IntN(len(s.postings))]
	owner := s.activeUser().ID
	o := &opp{o: lever.Opportunity{ID: s.uuid(), Name: c.Name, Headline: c.Headline,
		Contact: lever.ContactRef{ID: c.ID}, Confidentiality: "non-confidential",
		Origin: s.pick(origins), Owner: owner, Location: posting.Categories.Location,
		OpportunityLocation: posting.Categories.Location, Emails: c.Emails, Phones: c.Phones,
		Links: []string{}, Sources: []string{}, Tags: []string{posting.Text, s.pick(tagWords)},
		Followers: []string{owner}, CreatedAt: lever.FromTime(created)}}
	o.o.URLs = lever.OpportunityURLs{List: "https://hire.example.com/candidates",
		Show: "https://hire.example.com/candidates/" + o.o.ID}
	if s.rng.IntN(20) == 0 {
		o.o.Confidentiality = "confidential"
	}
	app := lever.Application{ID: s.uuid(), Type: "posting", OpportunityID: o.o.ID,
		CandidateID: o.o.ID, Posting: posting.ID, PostingOwner: posting.Owner,
		PostingHiringManager: posting.HiringManager, User: owner, CreatedAt: o.o.CreatedAt}
	o.apps = []lever.Application{app}
	o.o.Applications = []lever.ApplicationRef{{ID: app.ID}}
	s.setStage(o, created)

	latest := created
	if created.Before(now) {
		latest = s.history(o, now)
	}
	o.o.UpdatedAt = lever.FromTime(s.between(latest, now))
	o.o.LastInteractionAt = o.o.UpdatedAt
	s.opps[o.o.ID] = o
	return o
}

// setStage puts o in a random stage reached at created.
func (s *Server) setStage(o *opp, created time.Time) {
	i := s.rng.IntN(len(s.stages))
	at := lever.FromTime(created)
	o.o.Stage = lever.StageRef{ID: s.stages[i].ID}
	o.o.LastAdvancedAt = at
	o.o.StageChanges = []lever.StageChange{{ToStageID: s.stages[i].ID, ToStageIndex: i,
		UserID: o.o.Owner, UpdatedAt: at}}
}

// history adds interviews, a note and maybe an archive state, returning the
// time of the latest change.
func (s *Server) history(o *opp, now time.Time) time.Time {
	latest := o.o.CreatedAt.Time()
	panel := s.uuid()
	for range 1 + s.rng.IntN(4) {
		at := s.between(now.Add(-30*day), now)
		if s.rng.IntN(5) == 0 {
			at = s.between(now, now.Add(7*day))
		}
		at = at.Truncate(15 * time.Minute)
		createdAt := s.between(later(o.o.CreatedAt.Time(), at.Add(-14*day)), earlier(at, now))
		iv := s.newInterview(o, panel, createdAt, at)
		if s.rng.IntN(10) == 0 {
			t := lever.FromTime(s.between(createdAt, now))
			iv.CanceledAt = &t
			latest = later(latest, t.Time())
		}
		o.interviews = append(o.interviews, iv)
		latest = later(latest, createdAt)
	}
	if s.rng.IntN(3) == 0 {
		n := s.newNote(o, s.activeUser().ID, "Strong communicator; follow up on references.", false)
		n.CreatedAt = lever.FromTime(s.between(latest, now))
		o.notes[len(o.notes)-1] = n
	}
	if s.rng.IntN(8) == 0 {
		at := s.between(latest, now)
		o.o.Archived = &lever.Archived{Reason: s.reasons[s.rng.IntN(len(s.reasons))].ID,
			ArchivedAt: lever.FromTime(at)}
		latest = at
	}
	return latest
}

// newInterview builds an interview of o on panel, created at createdAt and
// starting at at.
func (s *Server) newInterview(o *opp, panel string, createdAt, at time.Time) lever.Interview {
	kind := s.pick(interviewKinds)
	tmpl := s.templates[s.rng.IntN(len(s.templates))].ID
	posting := o.apps[0].Posting
	title := ""
	if i, ok := slices.BinarySearchFunc(s.postings, posting, func(p lever.Posting, id string) int {
		return strings.Compare(p.ID, id)
	}); ok {
		title = s.postings[i].Text
	}
	iv := lever.Interview{ID: s.uuid(), Panel: panel,
		Subject:  fmt.Sprintf("%s - %s - %s", kind, o.o.Name, title),
		Timezone: s.pick(timezones), FeedbackTemplate: tmpl, User: o.o.Owner,
		Stage: o.o.Stage.ID, CreatedAt: lever.FromTime(createdAt), Date: lever.FromTime(at),
		Duration: []int{30, 45, 60}[s.rng.IntN(3)], Postings: []string{posting},
		FeedbackForms: []string{}, FeedbackReminder: "frequently"}
	if s.rng.IntN(3) > 0 {
		loc := s.pick(meetingPlaces)
		iv.Location = &loc
	}
	for range 1 + s.rng.IntN(2) {
		u := s.activeUser()
		iv.Interviewers = append(iv.Interviewers, lever.Interviewer{ID: u.ID, Name: u.Name,
			Email: u.Email, FeedbackTemplate: tmpl})
	}
	return iv
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func earlier(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}
