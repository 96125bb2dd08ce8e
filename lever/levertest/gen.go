package levertest

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/leverbright/leverbright/lever"
)

const day = 24 * time.Hour

// generate builds the seeded data set: users, stages, archive reasons,
// postings, feedback templates, then contacts with one or two opportunities.
func (s *Server) generate(n int) {
	now := s.now()
	s.genUsers(now)
	s.genStages()
	s.genPostings(max(3, n/10), now)
	s.genTemplates(now)
	for len(s.opps) < n {
		c := s.newContact()
		for k := 1 + min(s.rng.IntN(5)/4, n-len(s.opps)-1); k > 0; k-- {
			created := now.Add(-time.Duration(31*24+s.rng.IntN(150*24)) * time.Hour)
			s.newOpportunity(c, created, now)
		}
	}
	s.order = make([]*opp, 0, len(s.opps))
	for _, o := range s.opps {
		s.setKey(o)
		s.order = append(s.order, o)
	}
	slices.SortFunc(s.order, func(a, b *opp) int { return strings.Compare(a.key, b.key) })
}

func (s *Server) pick(xs []string) string { return xs[s.rng.IntN(len(xs))] }

// between returns a random time in [a, b].
func (s *Server) between(a, b time.Time) time.Time {
	if !b.After(a) {
		return a
	}
	return a.Add(time.Duration(s.rng.Int64N(int64(b.Sub(a)))))
}

func (s *Server) personName() (string, string) {
	f, l := s.pick(firstNames), s.pick(lastNames)
	return f + " " + l, strings.ToLower(strings.ReplaceAll(f+"."+l, "'", ""))
}

func (s *Server) genUsers(now time.Time) {
	for i := range 20 {
		name, handle := s.personName()
		u := lever.User{ID: s.uuid(), Name: name, Username: strings.ReplaceAll(handle, ".", ""),
			Email: handle + "@example.com", AccessRole: roles[i%len(roles)],
			JobTitle: s.pick(jobTitles), CreatedAt: lever.FromTime(now.Add(-time.Duration(400+i) * day))}
		if i >= 18 {
			t := lever.FromTime(now.Add(-30 * day))
			u.DeactivatedAt = &t
		}
		s.users = append(s.users, u)
	}
	slices.SortFunc(s.users, func(a, b lever.User) int { return strings.Compare(a.ID, b.ID) })
}

// activeUser returns a random user that is not deactivated.
func (s *Server) activeUser() lever.User {
	for {
		if u := s.users[s.rng.IntN(len(s.users))]; u.DeactivatedAt == nil {
			return u
		}
	}
}

func (s *Server) genStages() {
	for _, st := range stageNames {
		id := st.id
		if id == "" {
			id = s.uuid()
		}
		s.stages = append(s.stages, lever.Stage{ID: id, Text: st.text})
	}
	for _, r := range archiveReasons {
		s.reasons = append(s.reasons, lever.ArchiveReason{ID: s.uuid(), Text: r.text,
			Status: "active", Type: r.typ})
	}
	slices.SortFunc(s.stages, func(a, b lever.Stage) int { return strings.Compare(a.ID, b.ID) })
	slices.SortFunc(s.reasons, func(a, b lever.ArchiveReason) int {
		return strings.Compare(a.ID, b.ID)
	})
}

func (s *Server) genPostings(n int, now time.Time) {
	for i := range n {
		loc := s.pick(locations)
		p := lever.Posting{ID: s.uuid(), Text: s.pick(jobTitles), State: "published",
			User: s.activeUser().ID, Owner: s.activeUser().ID, HiringManager: s.activeUser().ID,
			ReqCode: fmt.Sprintf("REQ-%04d", 1000+i), Confidentiality: "non-confidential",
			Tags: []string{s.pick(tagWords)}, CreatedAt: lever.FromTime(now.Add(-300 * day)),
			UpdatedAt: lever.FromTime(s.between(now.Add(-60*day), now))}
		p.Categories = lever.PostingCategories{Team: s.pick(teams), Department: s.pick(departments),
			Location: loc, Commitment: s.pick(commitments), Level: s.pick(levels),
			AllLocations: []string{loc}}
		p.RequisitionCodes = []string{p.ReqCode}
		if s.rng.IntN(10) == 0 {
			p.State = "closed"
		}
		if s.rng.IntN(20) == 0 {
			p.Confidentiality = "confidential"
		}
		s.postings = append(s.postings, p)
	}
	slices.SortFunc(s.postings, func(a, b lever.Posting) int { return strings.Compare(a.ID, b.ID) })
}

func (s *Server) genTemplates(now time.Time) {
	for _, name := range templateNames {
		t := lever.FeedbackTemplate{ID: s.uuid(), Text: name, Group: "Interview",
			Instructions: "Submit within 24 hours of the interview. Be specific.",
			CreatedAt:    lever.FromTime(now.Add(-200 * day)), UpdatedAt: lever.FromTime(now.Add(-20 * day))}
		for _, qi := range s.rng.Perm(len(questions))[:4+s.rng.IntN(3)] {
			q := questions[qi]
			t.Fields = append(t.Fields, lever.TemplateField{ID: s.uuid(), Type: q.typ, Text: q.text,
				Description: q.desc, Required: q.typ == "score-system"})
		}
		s.templates = append(s.templates, t)
	}
	slices.SortFunc(s.templates, func(a, b lever.FeedbackTemplate) int {
		return strings.Compare(a.ID, b.ID)
	})
}

// newContact creates and stores a person; callers hold s.mu (or generate).
func (s *Server) newContact() lever.Contact {
	name, handle := s.personName()
	c := lever.Contact{ID: s.uuid(), Name: name, Headline: s.pick(companies),
		Emails:   []string{fmt.Sprintf("%s%d@example.com", handle, s.rng.IntN(100))},
		Phones:   []lever.Phone{{Type: "mobile", Value: fmt.Sprintf("+1555%07d", s.rng.IntN(1e7))}},
		Location: &lever.Location{Name: s.pick(locations)}}
	s.contacts[c.ID] = c
	return c
}
