package brighthiretest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/leverbright/leverbright/brighthire"
)

// readyTime is when the first notes of st are due: NotesDelay after the start, but never
// before the interview was first upserted.
func (s *Server) readyTime(st *ivState) time.Time {
	due := st.iv.StartAt.Add(s.opts.NotesDelay)
	if due.Before(st.firstSeen) {
		return st.firstSeen
	}
	return due
}

// refreshLocked makes due notes ready and queues their webhook events. Canceled and deleted
// interviews never get notes. Callers hold s.mu.
func (s *Server) refreshLocked() {
	now := s.now()
	for leverID, st := range s.interviews {
		if st.version > 0 || st.deleted || st.iv.Status == brighthire.StatusCanceled {
			continue
		}
		if st.iv.StartAt.Before(s.opts.RecordingSince) {
			continue
		}
		at := s.readyTime(st)
		if at.After(now) {
			continue
		}
		st.version, st.readyAt, st.updatedAt = 1, at, at
		s.queueEvent(leverID, st)
	}
}

// RegenerateNotes makes a new notes version of a ready interview, ready now, and returns
// it; 0 when the interview is unknown, deleted or has no notes yet.
func (s *Server) RegenerateNotes(leverInterviewID string) int {
	s.mu.Lock()
	s.refreshLocked()
	st, ok := s.interviews[leverInterviewID]
	if !ok || st.deleted || st.version == 0 {
		s.mu.Unlock()
		return 0
	}
	now := s.now()
	st.version++
	st.readyAt, st.updatedAt = now, now
	s.queueEvent(leverInterviewID, st)
	v := st.version
	s.mu.Unlock()
	s.poke()
	return v
}

func noteExternal(st *ivState) brighthire.External {
	return brighthire.External{Source: brighthire.SourceLever, ID: st.iv.External.ID,
		ApplicationID: st.iv.ApplicationExternalID}
}

// notesOf writes the notes of st's current version from its call guide. Callers hold s.mu.
func (s *Server) notesOf(st *ivState) brighthire.Notes {
	guide := s.guides[st.iv.CallGuideExternalID]
	who := "The candidate"
	if c, ok := s.candidates[st.iv.CandidateExternalID]; ok && c.Name != "" {
		who = c.Name
	}
	n := brighthire.Notes{InterviewID: st.id, Version: st.version, GeneratedAt: st.readyAt,
		External: noteExternal(st), Title: st.iv.Title, Interviewers: interviewerNames(st.iv),
		InterviewURL: s.URL() + "/interviews/" + st.id}
	for _, q := range guide.Questions {
		items := []string{fmt.Sprintf("%s answered: %s", who, q.Text)}
		if q.Guidance != "" {
			items = append(items, "Looked for: "+q.Guidance)
		}
		n.Sections = append(n.Sections, brighthire.Section{Title: q.Text, Items: items})
		if len(n.KeyTakeaways) < 3 {
			n.KeyTakeaways = append(n.KeyTakeaways, "Covered "+strings.ToLower(q.Text))
		}
	}
	if len(n.Sections) == 0 {
		n.Sections = []brighthire.Section{{Title: "Conversation",
			Items: []string{who + " and the panel talked through the role."}}}
		n.KeyTakeaways = []string{"No call guide was linked to this interview"}
	}
	n.Summary = fmt.Sprintf("%s: %s was interviewed on %d topic(s)%s.", st.iv.Title, who,
		len(n.Sections), guideSuffix(guide.Name))
	if st.version > 1 {
		n.Summary += fmt.Sprintf(" Regenerated notes, version %d.", st.version)
	}
	return n
}

func guideSuffix(name string) string {
	if name == "" {
		return ""
	}
	return " from the call guide " + name
}

func interviewerNames(iv brighthire.Interview) []string {
	out := make([]string, 0, len(iv.Interviewers))
	for _, p := range iv.Interviewers {
		if p.Name != "" {
			out = append(out, p.Name)
		} else {
			out = append(out, p.Email)
		}
	}
	return out
}

func (s *Server) getNotes(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.refreshLocked()
	st, ok := s.byID(r.PathValue("id"))
	var n brighthire.Notes
	if ok {
		n = s.notesOf(st)
	}
	s.mu.Unlock()
	switch {
	case !ok:
		fail(w, r, http.StatusNotFound, "no such interview")
	case n.Version == 0:
		fail(w, r, http.StatusNotFound, "notes are not ready")
	default:
		writeJSON(w, http.StatusOK, n)
	}
}

// byID finds a live interview by BrightHire id. Callers hold s.mu.
func (s *Server) byID(id string) (*ivState, bool) {
	st, ok := s.interviews[s.byBHID[id]]
	if !ok || st.deleted {
		return nil, false
	}
	return st, true
}

// ackReply is the body of a stored ack.
type ackReply struct {
	InterviewID string `json:"interview_id"`
	brighthire.Ack
	AckedAt time.Time `json:"acked_at"`
}

func (s *Server) postAck(w http.ResponseWriter, r *http.Request) {
	key := r.Header.Get("Idempotency-Key")
	if key == "" {
		fail(w, r, http.StatusBadRequest, "Idempotency-Key is required")
		return
	}
	if rep, ok := s.replay(key); ok {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Idempotent-Replayed", "true")
		w.WriteHeader(rep.status)
		_, _ = w.Write(rep.body)
		return
	}
	var a brighthire.Ack
	if decode(w, r, &a) {
		s.storeAck(w, r, key, a)
	}
}

func (s *Server) replay(key string) (reply, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	rep, ok := s.ackReplies[key]
	return rep, ok
}

func (s *Server) storeAck(w http.ResponseWriter, r *http.Request, key string, a brighthire.Ack) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if rep, ok := s.ackReplies[key]; ok { // a concurrent twin got here first
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(rep.status)
		_, _ = w.Write(rep.body)
		return
	}
	st, ok := s.byID(r.PathValue("id"))
	switch {
	case !ok:
		fail(w, r, http.StatusNotFound, "no such interview")
		return
	case a.Version < 1 || a.Version > st.version:
		fail(w, r, http.StatusUnprocessableEntity, "version is not a generated notes version")
		return
	case a.LeverNoteID == "":
		fail(w, r, http.StatusUnprocessableEntity, "lever_note_id is required")
		return
	}
	now := s.now()
	s.acks = append(s.acks, AckRecord{InterviewID: st.id, LeverInterviewID: st.iv.External.ID,
		Key: key, Ack: a, At: now})
	body, _ := json.Marshal(ackReply{InterviewID: st.id, Ack: a, AckedAt: now})
	s.ackReplies[key] = reply{status: http.StatusCreated, body: body}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusCreated)
	_, _ = w.Write(body)
}
