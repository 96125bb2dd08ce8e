package brighthiretest

import (
	"maps"
	"slices"

	"github.com/leverbright/leverbright/brighthire"
)

// Positions returns the stored positions by Lever posting id.
func (s *Server) Positions() map[string]brighthire.Position {
	s.mu.Lock()
	defer s.mu.Unlock()
	return maps.Clone(s.positions)
}

// Candidates returns the stored candidates by Lever contact id.
func (s *Server) Candidates() map[string]brighthire.Candidate {
	s.mu.Lock()
	defer s.mu.Unlock()
	return maps.Clone(s.candidates)
}

// CallGuides returns the stored call guides by Lever feedback template id.
func (s *Server) CallGuides() map[string]brighthire.CallGuide {
	s.mu.Lock()
	defer s.mu.Unlock()
	return maps.Clone(s.guides)
}

// Interviews returns every interview ever upserted, deleted ones flagged, by Lever id.
func (s *Server) Interviews() map[string]StoredInterview {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.refreshLocked()
	out := make(map[string]StoredInterview, len(s.interviews))
	for id, st := range s.interviews {
		out[id] = StoredInterview{ID: st.id, Interview: st.iv, Deleted: st.deleted,
			NotesVersion: st.version, NotesReady: st.version > 0}
	}
	return out
}

// Acks returns the stored acks in arrival order.
func (s *Server) Acks() []AckRecord {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.acks)
}

// AckCount counts stored acks of one notes version; interviewID may be the BrightHire or
// the Lever id.
func (s *Server) AckCount(interviewID string, version int) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, a := range s.acks {
		if a.Version == version && (a.InterviewID == interviewID || a.LeverInterviewID == interviewID) {
			n++
		}
	}
	return n
}

// Forwarded returns the Lever deliveries received at ForwardURL, in arrival order.
func (s *Server) Forwarded() []Forwarded {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Forwarded, len(s.forwarded))
	for i, f := range s.forwarded {
		out[i] = Forwarded{ContentType: f.ContentType, Body: slices.Clone(f.Body), At: f.At}
	}
	return out
}

// WebhooksSent counts notes-ready events delivered with a 2xx answer.
func (s *Server) WebhooksSent() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sent
}
