package levertest

import (
	"slices"
	"sort"
	"time"

	"github.com/leverbright/leverbright/lever"
)

// Opportunities returns a snapshot of every live opportunity, confidential
// ones included, in list order (updatedAt, then id).
func (s *Server) Opportunities() []lever.Opportunity {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]lever.Opportunity, 0, len(s.order))
	for _, o := range s.order {
		out = append(out, o.o)
	}
	return out
}

// Interviews returns the live (not deleted) interviews of an opportunity,
// canceled ones included.
func (s *Server) Interviews(opportunityID string) []lever.Interview {
	s.mu.Lock()
	defer s.mu.Unlock()
	if o, ok := s.live(opportunityID); ok {
		return slices.Clone(o.interviews)
	}
	return nil
}

// AllInterviews returns the live interviews of every live opportunity.
func (s *Server) AllInterviews() map[string][]lever.Interview {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := make(map[string][]lever.Interview, len(s.order))
	for _, o := range s.order {
		m[o.o.ID] = slices.Clone(o.interviews)
	}
	return m
}

// Notes returns an opportunity's notes in creation order.
func (s *Server) Notes(opportunityID string) []lever.Note {
	s.mu.Lock()
	defer s.mu.Unlock()
	if o, ok := s.opps[opportunityID]; ok {
		return slices.Clone(o.notes)
	}
	return nil
}

// PostingIDs returns every posting id, sorted.
func (s *Server) PostingIDs() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return ids(s.postings, func(p lever.Posting) string { return p.ID })
}

// UserIDs returns every user id, sorted.
func (s *Server) UserIDs() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return ids(s.users, func(u lever.User) string { return u.ID })
}

// TemplateIDs returns every feedback template id, sorted.
func (s *Server) TemplateIDs() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return ids(s.templates, func(t lever.FeedbackTemplate) string { return t.ID })
}

func ids[T any](xs []T, id func(T) string) []string {
	out := make([]string, len(xs))
	for i, x := range xs {
		out[i] = id(x)
	}
	return out
}

// CreateApplication adds a new contact with one opportunity applying to a
// posting and returns it with its applicationCreated delivery.
func (s *Server) CreateApplication() (lever.Opportunity, Delivery) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	c := s.newContact()
	o := s.newOpportunity(c, now, now)
	o.o.UpdatedAt = lever.FromTime(now)
	s.setKey(o)
	s.reindex(o, "")
	d := s.deliver(lever.EventApplicationCreated, map[string]any{
		"opportunityId": o.o.ID, "applicationId": o.apps[0].ID, "contactId": c.ID})
	return o.o, d
}

// ScheduleInterview adds an interview in the next week, on a new panel, and
// returns it with its interviewCreated delivery. An unknown or deleted
// opportunity gives zero values.
func (s *Server) ScheduleInterview(opportunityID string) (lever.Interview, Delivery) {
	s.mu.Lock()
	defer s.mu.Unlock()
	o, ok := s.live(opportunityID)
	if !ok {
		return lever.Interview{}, Delivery{}
	}
	now := s.now()
	at := now.Add(time.Duration(24+s.rng.IntN(6*24)) * time.Hour).Truncate(30 * time.Minute)
	iv := s.newInterview(o, s.uuid(), now, at)
	o.interviews = append(o.interviews, iv)
	s.touch(o)
	return iv, s.ivDelivery(lever.EventInterviewCreated, o, iv)
}

func (s *Server) ivDelivery(event string, o *opp, iv lever.Interview) Delivery {
	return s.deliver(event, map[string]any{"opportunityId": o.o.ID, "interviewId": iv.ID,
		"panelId": iv.Panel, "contactId": o.o.Contact.ID})
}

// changeInterview applies fn to a live interview, bumps the opportunity and
// returns the delivery; zero Delivery when either id is unknown.
func (s *Server) changeInterview(oppID, ivID, event string, fn func(o *opp, i int)) Delivery {
	s.mu.Lock()
	defer s.mu.Unlock()
	o, ok := s.live(oppID)
	if !ok {
		return Delivery{}
	}
	i := slices.IndexFunc(o.interviews, func(iv lever.Interview) bool { return iv.ID == ivID })
	if i < 0 {
		return Delivery{}
	}
	iv := o.interviews[i]
	fn(o, i)
	s.touch(o)
	return s.ivDelivery(event, o, iv)
}

// RescheduleInterview moves an interview to at (interviewUpdated).
func (s *Server) RescheduleInterview(opportunityID, interviewID string, at time.Time) Delivery {
	return s.changeInterview(opportunityID, interviewID, lever.EventInterviewUpdated,
		func(o *opp, i int) { o.interviews[i].Date = lever.FromTime(at) })
}

// CancelInterview marks an interview canceled (interviewUpdated).
func (s *Server) CancelInterview(opportunityID, interviewID string) Delivery {
	return s.changeInterview(opportunityID, interviewID, lever.EventInterviewUpdated,
		func(o *opp, i int) {
			t := s.nowMs()
			o.interviews[i].CanceledAt = &t
		})
}

// DeleteInterview removes an interview (interviewDeleted); fetching it then
// answers 404.
func (s *Server) DeleteInterview(opportunityID, interviewID string) Delivery {
	return s.changeInterview(opportunityID, interviewID, lever.EventInterviewDeleted,
		func(o *opp, i int) {
			s.deletedIV[interviewID] = true
			o.interviews = slices.Delete(slices.Clone(o.interviews), i, i+1)
		})
}

// DeleteOpportunity removes an opportunity (candidateDeleted); it then
// answers 404 and leaves every list.
func (s *Server) DeleteOpportunity(opportunityID string) Delivery {
	s.mu.Lock()
	defer s.mu.Unlock()
	o, ok := s.live(opportunityID)
	if !ok {
		return Delivery{}
	}
	o.deleted = true
	s.reindex(o, o.key)
	return s.deliver(lever.EventCandidateDeleted, map[string]any{"opportunityId": o.o.ID,
		"candidateId": o.o.ID, "contactId": o.o.Contact.ID})
}

// ChangeStage moves an opportunity to the next stage (candidateStageChange).
func (s *Server) ChangeStage(opportunityID string) Delivery {
	s.mu.Lock()
	defer s.mu.Unlock()
	o, ok := s.live(opportunityID)
	if !ok {
		return Delivery{}
	}
	from := o.o.Stage.ID
	i := sort.Search(len(s.stages), func(i int) bool { return s.stages[i].ID >= from })
	to := s.stages[(i+1)%len(s.stages)].ID
	o.o.Stage = lever.StageRef{ID: to}
	s.touch(o)
	o.o.LastAdvancedAt = o.o.UpdatedAt
	o.o.StageChanges = append(slices.Clone(o.o.StageChanges), lever.StageChange{
		ToStageID: to, ToStageIndex: (i + 1) % len(s.stages), UserID: o.o.Owner,
		UpdatedAt: o.o.UpdatedAt})
	return s.deliver(lever.EventCandidateStageChange, map[string]any{"opportunityId": o.o.ID,
		"candidateId": o.o.ID, "contactId": o.o.Contact.ID, "fromStageId": from, "toStageId": to})
}
