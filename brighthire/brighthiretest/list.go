package brighthiretest

import (
	"encoding/base64"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/leverbright/leverbright/brighthire"
)

// maxLimit is the largest page the list answers.
const maxLimit = 100

// listQuery is a parsed GET /v0/interviews query.
type listQuery struct {
	status   string
	since    time.Time
	limit    int
	afterAt  time.Time
	afterID  string
	hasAfter bool
}

type listPage struct {
	Data       []brighthire.InterviewSummary `json:"data"`
	NextCursor string                        `json:"next_cursor"`
	HasMore    bool                          `json:"has_more"`
}

func (s *Server) listInterviews(w http.ResponseWriter, r *http.Request) {
	q, msg := parseListQuery(r)
	if msg != "" {
		fail(w, r, http.StatusBadRequest, msg)
		return
	}
	s.mu.Lock()
	s.refreshLocked()
	items := s.summaries(q)
	s.mu.Unlock()

	page := listPage{Data: items}
	if len(items) > q.limit {
		page.Data, page.HasMore = items[:q.limit], true
		last := page.Data[q.limit-1]
		page.NextCursor = encodeCursor(last.UpdatedAt, last.ID)
	}
	writeJSON(w, http.StatusOK, page)
}

func parseListQuery(r *http.Request) (listQuery, string) {
	v := r.URL.Query()
	q := listQuery{status: v.Get("notes_status"), limit: maxLimit}
	if q.status != "" && q.status != brighthire.NotesReady && q.status != brighthire.NotesPending {
		return q, "notes_status must be ready or pending"
	}
	if s := v.Get("updated_since"); s != "" {
		t, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			return q, "updated_since must be RFC 3339"
		}
		q.since = t
	}
	if s := v.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			return q, "limit must be a positive integer"
		}
		q.limit = min(n, maxLimit)
	}
	if c := v.Get("cursor"); c != "" {
		at, id, ok := decodeCursor(c)
		if !ok {
			return q, "cursor is not valid"
		}
		q.afterAt, q.afterID, q.hasAfter = at, id, true
	}
	return q, ""
}

// summaries lists matching interviews, oldest change first, one more than the limit so the
// caller knows whether there is another page. Callers hold s.mu.
func (s *Server) summaries(q listQuery) []brighthire.InterviewSummary {
	var out []brighthire.InterviewSummary
	for _, st := range s.interviews {
		it := summaryOf(st)
		if st.deleted || (q.status != "" && it.Notes.Status != q.status) ||
			it.UpdatedAt.Before(q.since) || (q.hasAfter && !after(it, q.afterAt, q.afterID)) {
			continue
		}
		out = append(out, it)
	}
	slices.SortFunc(out, func(a, b brighthire.InterviewSummary) int {
		if c := a.UpdatedAt.Compare(b.UpdatedAt); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	return out[:min(len(out), q.limit+1)]
}

func summaryOf(st *ivState) brighthire.InterviewSummary {
	it := brighthire.InterviewSummary{ID: st.id, External: noteExternal(st),
		Notes: brighthire.NotesState{Status: brighthire.NotesPending}, UpdatedAt: st.updatedAt}
	if st.version > 0 {
		it.Notes = brighthire.NotesState{Status: brighthire.NotesReady, Version: st.version}
		it.UpdatedAt = st.readyAt
	}
	return it
}

func after(it brighthire.InterviewSummary, at time.Time, id string) bool {
	if c := it.UpdatedAt.Compare(at); c != 0 {
		return c > 0
	}
	return it.ID > id
}

func encodeCursor(at time.Time, id string) string {
	raw := at.UTC().Format(time.RFC3339Nano) + "|" + id
	return base64.RawURLEncoding.EncodeToString([]byte(raw))
}

func decodeCursor(c string) (time.Time, string, bool) {
	raw, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil {
		return time.Time{}, "", false
	}
	ts, id, ok := strings.Cut(string(raw), "|")
	at, err := time.Parse(time.RFC3339Nano, ts)
	return at, id, ok && err == nil && id != ""
}
