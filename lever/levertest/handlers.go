package levertest

import (
	"encoding/json"
	"net/http"
	"slices"
	"sort"
	"strings"

	"github.com/leverbright/leverbright/lever"
)

// oppFilter is the parsed query of GET /opportunities.
type oppFilter struct {
	start, end       int64
	hasStart, hasEnd bool
	contacts         []string
	archived         string // "", "true", "false"
	confidential     bool   // include confidential ones
	expand           map[string]bool
}

func parseOppFilter(w http.ResponseWriter, r *http.Request) (oppFilter, bool) {
	q := r.URL.Query()
	var f oppFilter
	var ok1, ok2 bool
	f.start, f.hasStart, ok1 = msParam(q, "updated_at_start")
	f.end, f.hasEnd, ok2 = msParam(q, "updated_at_end")
	f.archived = q.Get("archived")
	if !ok1 || !ok2 || (f.archived != "" && f.archived != "true" && f.archived != "false") {
		writeError(w, http.StatusBadRequest, "BadRequest", "invalid filter")
		return f, false
	}
	f.contacts = q["contact_id"]
	f.confidential = q.Get("confidentiality") == "all"
	f.expand = expandSet(r)
	return f, true
}

func expandSet(r *http.Request) map[string]bool {
	m := map[string]bool{}
	for _, e := range r.URL.Query()["expand"] {
		m[e] = true
	}
	return m
}

func (f oppFilter) match(o *opp) bool {
	if o.o.Confidentiality == "confidential" && !f.confidential {
		return false
	}
	if len(f.contacts) > 0 && !slices.Contains(f.contacts, o.o.Contact.ID) {
		return false
	}
	switch f.archived {
	case "true":
		return o.o.Archived != nil
	case "false":
		return o.o.Archived == nil
	}
	return true
}

func (s *Server) listOpportunities(w http.ResponseWriter, r *http.Request) {
	p, ok := s.parsePage(w, r)
	f, ok2 := parseOppFilter(w, r)
	if !ok || !ok2 {
		return
	}
	s.mu.Lock()
	out, last, hasNext := s.scan(p, f)
	s.mu.Unlock()

	resp := map[string]any{"data": out, "hasNext": hasNext}
	if hasNext {
		resp["next"] = s.sealOffset(last, queryHash(r))
	}
	writeJSON(w, http.StatusOK, resp)
}

// scan walks the sorted index from the window start; callers hold s.mu.
func (s *Server) scan(p pageReq, f oppFilter) ([]lever.Opportunity, string, bool) {
	i := 0
	if f.hasStart {
		i = s.find(sortKey(lever.Time(f.start), ""))
	}
	if p.after != "" {
		i = max(i, sort.Search(len(s.order), func(j int) bool { return s.order[j].key > p.after }))
	}
	out, last := []lever.Opportunity{}, ""
	for ; i < len(s.order); i++ {
		o := s.order[i]
		if f.hasEnd && int64(o.o.UpdatedAt) > f.end {
			break
		}
		if !f.match(o) {
			continue
		}
		if len(out) == p.limit {
			return out, last, true
		}
		out, last = append(out, s.render(o, f.expand)), o.key
	}
	return out, last, false
}

// render returns the opportunity with the requested references expanded.
func (s *Server) render(o *opp, expand map[string]bool) lever.Opportunity {
	v := o.o
	if expand["contact"] {
		c := s.contacts[v.Contact.ID]
		v.Contact.Contact = &c
	}
	if expand["stage"] {
		if st, ok := s.stage(v.Stage.ID); ok {
			v.Stage.Stage = &st
		}
	}
	if expand["applications"] {
		v.Applications = nil
		for i := range o.apps {
			a := o.apps[i]
			v.Applications = append(v.Applications, lever.ApplicationRef{ID: a.ID, Application: &a})
		}
	}
	return v
}

func (s *Server) stage(id string) (lever.Stage, bool) {
	for _, st := range s.stages {
		if st.ID == id {
			return st, true
		}
	}
	return lever.Stage{}, false
}

// live returns the opportunity unless it is unknown or deleted; callers
// hold s.mu.
func (s *Server) live(id string) (*opp, bool) {
	o, ok := s.opps[id]
	return o, ok && !o.deleted
}

func (s *Server) getOpportunity(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	o, ok := s.live(r.PathValue("id"))
	var v lever.Opportunity
	if ok {
		v = s.render(o, expandSet(r))
	}
	s.mu.Unlock()
	writeOne(w, v, ok)
}

func writeOne(w http.ResponseWriter, v any, found bool) {
	if !found {
		writeError(w, http.StatusNotFound, "NotFound", "resource not found")
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"data": v})
}

// child serves a paginated list hanging off a live opportunity.
func child[T any](s *Server, w http.ResponseWriter, r *http.Request,
	get func(*opp) []T, key func(T) string) {
	p, ok := s.parsePage(w, r)
	if !ok {
		return
	}
	s.mu.Lock()
	o, found := s.live(r.PathValue("id"))
	var items []T
	if found {
		items = get(o)
	}
	s.mu.Unlock()
	if !found {
		writeError(w, http.StatusNotFound, "NotFound", "opportunity not found")
		return
	}
	sort.Slice(items, func(i, j int) bool { return key(items[i]) < key(items[j]) })
	page(s, w, r, p, items, key)
}

func (s *Server) listInterviews(w http.ResponseWriter, r *http.Request) {
	child(s, w, r, func(o *opp) []lever.Interview { return slices.Clone(o.interviews) },
		func(iv lever.Interview) string { return iv.ID })
}

func (s *Server) getInterview(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	o, ok := s.live(r.PathValue("id"))
	var iv lever.Interview
	if ok {
		i := slices.IndexFunc(o.interviews, func(x lever.Interview) bool {
			return x.ID == r.PathValue("iid")
		})
		if ok = i >= 0; ok {
			iv = o.interviews[i]
		}
	}
	writeOne(w, iv, ok)
}

func (s *Server) listPanels(w http.ResponseWriter, r *http.Request) {
	child(s, w, r, panelsOf, func(p lever.Panel) string { return p.ID })
}

// panelsOf groups an opportunity's interviews into their panels.
func panelsOf(o *opp) []lever.Panel {
	byID := map[string]*lever.Panel{}
	var out []*lever.Panel
	for _, iv := range o.interviews {
		p := byID[iv.Panel]
		if p == nil {
			p = &lever.Panel{ID: iv.Panel, Stage: iv.Stage, User: iv.User, Timezone: iv.Timezone,
				CreatedAt: iv.CreatedAt, Start: iv.Date, Applications: appIDs(o)}
			byID[iv.Panel] = p
			out = append(out, p)
		}
		p.Interviews = append(p.Interviews, iv)
		p.Start = min(p.Start, iv.Date)
		p.End = max(p.End, iv.Date+lever.Time(iv.Duration)*60_000)
	}
	res := make([]lever.Panel, 0, len(out))
	for _, p := range out {
		res = append(res, *p)
	}
	return res
}

func appIDs(o *opp) []string {
	var ids []string
	for _, a := range o.apps {
		ids = append(ids, a.ID)
	}
	return ids
}

func (s *Server) listNotes(w http.ResponseWriter, r *http.Request) {
	child(s, w, r, func(o *opp) []lever.Note { return slices.Clone(o.notes) },
		func(n lever.Note) string { return sortKey(n.CreatedAt, n.ID) })
}

func (s *Server) createNote(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Value           *string `json:"value"`
		Secret          bool    `json:"secret"`
		NotifyFollowers bool    `json:"notifyFollowers"`
	}
	err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20)).Decode(&in)
	if err != nil || in.Value == nil {
		writeError(w, http.StatusBadRequest, "BadRequest", "value is required")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	author := r.URL.Query().Get("perform_as")
	if author != "" && !slices.ContainsFunc(s.users, func(u lever.User) bool { return u.ID == author }) {
		writeError(w, http.StatusBadRequest, "BadRequest", "perform_as is not a user")
		return
	}
	o, ok := s.live(r.PathValue("id"))
	if !ok {
		writeError(w, http.StatusNotFound, "NotFound", "opportunity not found")
		return
	}
	n := s.newNote(o, author, *in.Value, in.Secret)
	writeJSON(w, http.StatusCreated, map[string]any{"data": n})
}

// newNote stores a note the way Lever reads it back: the text in
// fields[0].value, "Note" as the label. Callers hold s.mu.
func (s *Server) newNote(o *opp, author, value string, secret bool) lever.Note {
	now := s.nowMs()
	n := lever.Note{ID: s.uuid(), Text: "Note", User: author, Secret: secret, CreatedAt: now,
		CompletedAt: &now, Fields: []lever.NoteField{{Type: "note", Text: "Comment",
			Value: value, User: author, Stage: o.o.Stage.ID, CreatedAt: now}}}
	o.notes = append(o.notes, n)
	return n
}

func (s *Server) listPostings(w http.ResponseWriter, r *http.Request) {
	all := r.URL.Query().Get("confidentiality") == "all"
	s.list(w, r, func() []any {
		var out []any
		for _, p := range s.postings {
			if all || p.Confidentiality != "confidential" {
				out = append(out, p)
			}
		}
		return out
	})
}

func (s *Server) listUsers(w http.ResponseWriter, r *http.Request) {
	all := r.URL.Query().Get("includeDeactivated") == "true"
	s.list(w, r, func() []any {
		var out []any
		for _, u := range s.users {
			if all || u.DeactivatedAt == nil {
				out = append(out, u)
			}
		}
		return out
	})
}

func (s *Server) listStages(w http.ResponseWriter, r *http.Request) {
	s.list(w, r, func() []any { return anys(s.stages) })
}

func (s *Server) listReasons(w http.ResponseWriter, r *http.Request) {
	s.list(w, r, func() []any { return anys(s.reasons) })
}

func (s *Server) listTemplates(w http.ResponseWriter, r *http.Request) {
	s.list(w, r, func() []any { return anys(s.templates) })
}

func (s *Server) listWebhooks(w http.ResponseWriter, r *http.Request) {
	s.list(w, r, func() []any { return anys(s.webhooks) })
}

// list pages through a top-level collection in the order items returns it
// (sorted by id).
func (s *Server) list(w http.ResponseWriter, r *http.Request, items func() []any) {
	p, ok := s.parsePage(w, r)
	if !ok {
		return
	}
	s.mu.Lock()
	all := items()
	s.mu.Unlock()
	page(s, w, r, p, all, idOf)
}

func anys[T any](xs []T) []any {
	out := make([]any, len(xs))
	for i, x := range xs {
		out[i] = x
	}
	return out
}

// idOf returns the ID field of the record types served by list.
func idOf(v any) string {
	switch x := v.(type) {
	case lever.Posting:
		return x.ID
	case lever.User:
		return x.ID
	case lever.Stage:
		return x.ID
	case lever.ArchiveReason:
		return x.ID
	case lever.FeedbackTemplate:
		return x.ID
	case lever.Webhook:
		return x.ID
	}
	return ""
}

// getByID serves GET of one record of a collection sorted by id.
func getByID[T any](s *Server, w http.ResponseWriter, r *http.Request, items func() []T,
	id func(T) string) {
	s.mu.Lock()
	xs := items()
	i, ok := slices.BinarySearchFunc(xs, r.PathValue("id"), func(x T, k string) int {
		return strings.Compare(id(x), k)
	})
	var v T
	if ok {
		v = xs[i]
	}
	s.mu.Unlock()
	writeOne(w, v, ok)
}

func (s *Server) getPosting(w http.ResponseWriter, r *http.Request) {
	getByID(s, w, r, func() []lever.Posting { return s.postings },
		func(p lever.Posting) string { return p.ID })
}

func (s *Server) getUser(w http.ResponseWriter, r *http.Request) {
	getByID(s, w, r, func() []lever.User { return s.users }, func(u lever.User) string { return u.ID })
}

func (s *Server) getTemplate(w http.ResponseWriter, r *http.Request) {
	getByID(s, w, r, func() []lever.FeedbackTemplate { return s.templates },
		func(t lever.FeedbackTemplate) string { return t.ID })
}

func (s *Server) getContact(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	c, ok := s.contacts[r.PathValue("id")]
	s.mu.Unlock()
	writeOne(w, c, ok)
}
