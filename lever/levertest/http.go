package levertest

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"
)

// routes maps every API route to its handler behind the common layers.
func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	for _, r := range []struct {
		pattern, name string
		h             http.HandlerFunc
	}{
		{"GET /v1/opportunities", "/opportunities", s.listOpportunities},
		{"GET /v1/opportunities/{id}", "/opportunities/:id", s.getOpportunity},
		{"GET /v1/opportunities/{id}/interviews", "/opportunities/:id/interviews", s.listInterviews},
		{"GET /v1/opportunities/{id}/interviews/{iid}", "/opportunities/:id/interviews/:id", s.getInterview},
		{"GET /v1/opportunities/{id}/panels", "/opportunities/:id/panels", s.listPanels},
		{"GET /v1/opportunities/{id}/notes", "/opportunities/:id/notes", s.listNotes},
		{"POST /v1/opportunities/{id}/notes", "/opportunities/:id/notes", s.createNote},
		{"GET /v1/postings", "/postings", s.listPostings},
		{"GET /v1/postings/{id}", "/postings/:id", s.getPosting},
		{"GET /v1/users", "/users", s.listUsers},
		{"GET /v1/users/{id}", "/users/:id", s.getUser},
		{"GET /v1/stages", "/stages", s.listStages},
		{"GET /v1/archive_reasons", "/archive_reasons", s.listReasons},
		{"GET /v1/contacts/{id}", "/contacts/:id", s.getContact},
		{"GET /v1/feedback_templates", "/feedback_templates", s.listTemplates},
		{"GET /v1/feedback_templates/{id}", "/feedback_templates/:id", s.getTemplate},
		{"GET /v1/webhooks", "/webhooks", s.listWebhooks},
		{"POST /v1/webhooks", "/webhooks", s.createWebhook},
		{"DELETE /v1/webhooks/{id}", "/webhooks/:id", s.deleteWebhook},
		{"/", "other", func(w http.ResponseWriter, _ *http.Request) {
			writeError(w, http.StatusNotFound, "NotFound", "no such route")
		}},
	} {
		mux.HandleFunc(r.pattern, s.layer(r.name, r.h))
	}
	return mux
}

// statusWriter remembers the status a handler wrote.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// layer wraps h with counting, injected faults, auth and the rate limit.
func (s *Server) layer(route string, h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s.stats.arrive(time.Now())
		sw := &statusWriter{ResponseWriter: w}
		defer func() { s.stats.done(r.Method+" "+route, sw.status) }()

		v := s.faults.decide()
		if v.latency > 0 && !sleepCtx(r, v.latency) {
			return
		}
		switch {
		case v.drop:
			hijackClose(w)
		case v.status != 0:
			writeRetryAfter(sw, v.retryAfter)
			writeError(sw, v.status, "Injected", http.StatusText(v.status))
		case !s.authorized(r):
			sw.Header().Set("WWW-Authenticate", `Basic realm="lever"`)
			writeError(sw, http.StatusUnauthorized, "Unauthorized", "invalid API key")
		default:
			s.limited(sw, r, h)
		}
	}
}

func (s *Server) limited(w http.ResponseWriter, r *http.Request, h http.HandlerFunc) {
	ok, wait := s.faults.admit()
	if !ok {
		writeRetryAfter(w, wait)
		writeError(w, http.StatusTooManyRequests, "TooManyRequests", "rate limit exceeded")
		return
	}
	h(w, r)
}

// authorized checks HTTP Basic auth: the key as user, an empty password.
func (s *Server) authorized(r *http.Request) bool {
	user, pass, ok := r.BasicAuth()
	return ok && pass == "" && hmac.Equal([]byte(user), []byte(s.apiKey))
}

func sleepCtx(r *http.Request, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-r.Context().Done():
		return false
	case <-t.C:
		return true
	}
}

func hijackClose(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err == nil {
		_ = conn.Close()
	}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, status int, code, msg string) {
	writeJSON(w, status, map[string]string{"code": code, "message": msg})
}

// pageReq is a validated list request: limit and the position after which
// the page starts ("" for the first page).
type pageReq struct {
	limit int
	after string
}

// parsePage validates limit and offset; offsets must be ones this server
// issued for the same query, with the current key.
func (s *Server) parsePage(w http.ResponseWriter, r *http.Request) (pageReq, bool) {
	q := r.URL.Query()
	p := pageReq{limit: 100}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 100 {
			writeError(w, http.StatusBadRequest, "BadRequest", "limit must be 1 to 100")
			return p, false
		}
		p.limit = n
	}
	if off := q.Get("offset"); off != "" {
		after, ok := s.openOffset(off, queryHash(r))
		if !ok {
			writeError(w, http.StatusBadRequest, "BadRequest", "invalid offset")
			return p, false
		}
		p.after = after
	}
	return p, true
}

// queryHash binds offsets to the path and every parameter but offset/limit.
func queryHash(r *http.Request) string {
	q := r.URL.Query()
	q.Del("offset")
	q.Del("limit")
	sum := sha256.Sum256([]byte(r.URL.Path + "?" + q.Encode()))
	return base64.RawURLEncoding.EncodeToString(sum[:9])
}

// offsetTTL is how long an offset token stays usable.
const offsetTTL = 15 * time.Minute

// sealOffset issues an opaque token for the position after.
func (s *Server) sealOffset(after, qh string) string {
	s.mu.Lock()
	key := s.offsetKey
	s.mu.Unlock()
	payload := qh + "\n" + strconv.FormatInt(time.Now().Unix(), 10) + "\n" + after
	m := hmac.New(sha256.New, key)
	m.Write([]byte(payload))
	return base64.RawURLEncoding.EncodeToString([]byte(payload)) + "." +
		base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:16])
}

func (s *Server) openOffset(tok, qh string) (string, bool) {
	body, sig, ok := strings.Cut(tok, ".")
	payload, err1 := base64.RawURLEncoding.DecodeString(body)
	mac, err2 := base64.RawURLEncoding.DecodeString(sig)
	if !ok || err1 != nil || err2 != nil {
		return "", false
	}
	s.mu.Lock()
	m := hmac.New(sha256.New, s.offsetKey)
	s.mu.Unlock()
	m.Write(payload)
	if !hmac.Equal(m.Sum(nil)[:16], mac) {
		return "", false
	}
	parts := strings.SplitN(string(payload), "\n", 3)
	if len(parts) != 3 || parts[0] != qh {
		return "", false
	}
	issued, err := strconv.ParseInt(parts[1], 10, 64)
	if err != nil || time.Since(time.Unix(issued, 0)) > offsetTTL {
		return "", false
	}
	return parts[2], true
}

// page answers one page of items (sorted by key) after p.after.
func page[T any](s *Server, w http.ResponseWriter, r *http.Request, p pageReq,
	items []T, key func(T) string) {
	i := sort.Search(len(items), func(i int) bool { return key(items[i]) > p.after })
	end := min(i+p.limit, len(items))
	data := append(make([]T, 0, end-i), items[i:end]...)
	out := map[string]any{"data": data, "hasNext": end < len(items)}
	if end < len(items) && end > i {
		out["next"] = s.sealOffset(key(items[end-1]), queryHash(r))
	}
	writeJSON(w, http.StatusOK, out)
}

// msParam reads an optional integer parameter: value, present, valid.
func msParam(q url.Values, name string) (int64, bool, bool) {
	v := q.Get(name)
	if v == "" {
		return 0, false, true
	}
	n, err := strconv.ParseInt(v, 10, 64)
	return n, true, err == nil
}
