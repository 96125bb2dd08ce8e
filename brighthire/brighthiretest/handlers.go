package brighthiretest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"time"

	"github.com/leverbright/leverbright/brighthire"
)

// maxBody caps a request body the fake reads.
const maxBody = 1 << 20

type reqIDKey struct{}

func withReqID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, reqIDKey{}, id)
}

func fail(w http.ResponseWriter, r *http.Request, status int, msg string) {
	id, _ := r.Context().Value(reqIDKey{}).(string)
	writeError(w, id, status, msg)
}

func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	api := func(pattern string, h http.HandlerFunc) { mux.Handle(pattern, s.wrap(pattern, true, h)) }
	api("PUT /v0/positions/by-external/lever/{id}", s.putPosition)
	api("PUT /v0/candidates/by-external/lever/{id}", s.putCandidate)
	api("PUT /v0/call-guides/by-external/lever/{id}", s.putCallGuide)
	api("PUT /v0/interviews/by-external/lever/{id}", s.putInterview)
	api("DELETE /v0/interviews/by-external/lever/{id}", s.deleteInterview)
	api("GET /v0/interviews", s.listInterviews)
	api("GET /v0/interviews/{id}/notes", s.getNotes)
	api("POST /v0/interviews/{id}/notes/acks", s.postAck)
	mux.Handle("POST /hooks/lever", s.wrap("POST /hooks/lever", false, s.receiveForward))
	mux.Handle("/", s.wrap("unmatched", false, func(w http.ResponseWriter, r *http.Request) {
		fail(w, r, http.StatusNotFound, "no such route")
	}))
	return mux
}

// decode reads a strict JSON body: unknown fields are rejected so that a client writing a
// misspelled field fails loudly.
func decode(w http.ResponseWriter, r *http.Request, v any) bool {
	raw, err := io.ReadAll(io.LimitReader(r.Body, maxBody))
	if err != nil {
		fail(w, r, http.StatusBadRequest, "read body: "+err.Error())
		return false
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		fail(w, r, http.StatusBadRequest, "decode body: "+err.Error())
		return false
	}
	return true
}

// checkExternal validates the external reference against the path id.
func checkExternal(w http.ResponseWriter, r *http.Request, ext brighthire.External) bool {
	switch {
	case ext.ID == "":
		fail(w, r, http.StatusUnprocessableEntity, "external.id is required")
	case ext.Source != brighthire.SourceLever:
		fail(w, r, http.StatusUnprocessableEntity, `external.source must be "lever"`)
	case ext.ID != r.PathValue("id"):
		fail(w, r, http.StatusUnprocessableEntity, "external.id does not match the path")
	default:
		return true
	}
	return false
}

// upsert applies the source_updated_at rule: an older write never replaces the stored
// record; equal or newer does. It answers the record now stored.
func upsert[T any](s *Server, w http.ResponseWriter, r *http.Request, m map[string]T,
	in T, updated func(T) time.Time) {
	id := r.PathValue("id")
	s.mu.Lock()
	old, ok := m[id]
	if !ok || !updated(in).Before(updated(old)) {
		m[id] = in
	}
	out := m[id]
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) putPosition(w http.ResponseWriter, r *http.Request) {
	var p brighthire.Position
	if decode(w, r, &p) && checkExternal(w, r, p.External) {
		upsert(s, w, r, s.positions, p,
			func(p brighthire.Position) time.Time { return p.SourceUpdatedAt })
	}
}

func (s *Server) putCandidate(w http.ResponseWriter, r *http.Request) {
	var c brighthire.Candidate
	if !decode(w, r, &c) || !checkExternal(w, r, c.External) {
		return
	}
	for _, a := range c.Applications {
		if a.External.ID == "" || a.External.Source != brighthire.SourceLever {
			fail(w, r, http.StatusUnprocessableEntity, "every application needs a lever external id")
			return
		}
	}
	upsert(s, w, r, s.candidates, c,
		func(c brighthire.Candidate) time.Time { return c.SourceUpdatedAt })
}

func (s *Server) putCallGuide(w http.ResponseWriter, r *http.Request) {
	var g brighthire.CallGuide
	if decode(w, r, &g) && checkExternal(w, r, g.External) {
		upsert(s, w, r, s.guides, g,
			func(g brighthire.CallGuide) time.Time { return g.SourceUpdatedAt })
	}
}

// interviewReply is the answer of an interview upsert: the stored record and its id.
type interviewReply struct {
	ID string `json:"id"`
	brighthire.Interview
}

func (s *Server) putInterview(w http.ResponseWriter, r *http.Request) {
	var iv brighthire.Interview
	if !decode(w, r, &iv) || !checkExternal(w, r, iv.External) || !validInterview(w, r, iv) {
		return
	}
	s.mu.Lock()
	s.refreshLocked() // notes due before this write are judged on the old record
	st := s.storeInterview(iv)
	out := interviewReply{ID: st.id, Interview: st.iv}
	s.mu.Unlock()
	s.poke()
	writeJSON(w, http.StatusOK, out)
}

func validInterview(w http.ResponseWriter, r *http.Request, iv brighthire.Interview) bool {
	switch {
	case iv.Status != brighthire.StatusScheduled && iv.Status != brighthire.StatusCanceled:
		fail(w, r, http.StatusUnprocessableEntity, `status must be "scheduled" or "canceled"`)
	case iv.StartAt.IsZero():
		fail(w, r, http.StatusUnprocessableEntity, "start_at is required")
	case iv.DurationSeconds < 0:
		fail(w, r, http.StatusUnprocessableEntity, "duration_seconds must not be negative")
	default:
		return true
	}
	return false
}

// storeInterview applies one interview write under s.mu.
func (s *Server) storeInterview(iv brighthire.Interview) *ivState {
	leverID := iv.External.ID
	now := s.now()
	st, ok := s.interviews[leverID]
	if !ok {
		st = &ivState{id: bhID(leverID), firstSeen: now}
		s.interviews[leverID] = st
		s.byBHID[st.id] = leverID
	}
	if ok && iv.SourceUpdatedAt.Before(st.iv.SourceUpdatedAt) {
		return st
	}
	st.iv, st.deleted, st.updatedAt = iv, false, now
	return st
}

// bhID derives BrightHire's interview id from the Lever id, so it is stable.
func bhID(leverID string) string {
	sum := sha256.Sum256([]byte("interview\x00" + leverID))
	return "bhi_" + hex.EncodeToString(sum[:])[:20]
}

func (s *Server) deleteInterview(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	st, ok := s.interviews[r.PathValue("id")]
	if ok {
		s.refreshLocked()
		st.deleted, st.updatedAt = true, s.now()
	}
	s.mu.Unlock()
	if !ok {
		fail(w, r, http.StatusNotFound, "no interview with this external id")
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) receiveForward(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody))
	if err != nil {
		fail(w, r, http.StatusBadRequest, "read body: "+err.Error())
		return
	}
	s.mu.Lock()
	s.forwarded = append(s.forwarded, Forwarded{ContentType: r.Header.Get("Content-Type"),
		Body: body, At: s.now()})
	s.mu.Unlock()
	writeJSON(w, http.StatusAccepted, map[string]bool{"received": true})
}
