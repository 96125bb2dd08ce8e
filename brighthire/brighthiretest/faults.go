package brighthiretest

import (
	"bytes"
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"strconv"
	"time"
)

// faults are the pending injected failures.
type faults struct {
	n429       int
	retryAfter time.Duration
	nFail      int
	failStatus int
	nAfter     int
	afterCode  int
	latency    time.Duration
}

// Stats counts answered requests. ByRoute is keyed by route pattern
// (e.g. "PUT /v0/positions/by-external/lever/{id}"), then status.
type Stats struct {
	Total   int
	ByRoute map[string]map[int]int
}

func newStats() Stats { return Stats{ByRoute: map[string]map[int]int{}} }

// Stats returns a copy of the counters.
func (s *Server) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := Stats{Total: s.stats.Total, ByRoute: map[string]map[int]int{}}
	for r, m := range s.stats.ByRoute {
		out.ByRoute[r] = maps.Clone(m)
	}
	return out
}

// ResetStats zeroes the counters.
func (s *Server) ResetStats() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stats = newStats()
}

// Fail429 makes the next n requests answer 429 with Retry-After (whole seconds, rounded up).
func (s *Server) Fail429(n int, retryAfter time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults.n429, s.faults.retryAfter = n, retryAfter
}

// FailNext makes the next n requests answer status without being processed.
func (s *Server) FailNext(n int, status int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults.nFail, s.faults.failStatus = n, status
}

// FailNextAfterProcessing makes the next n requests be processed as usual but answer status
// instead: the client never sees the real answer, as when a response is lost.
func (s *Server) FailNextAfterProcessing(n int, status int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults.nAfter, s.faults.afterCode = n, status
}

// SetLatency delays every answer by d.
func (s *Server) SetLatency(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults.latency = d
}

// bufWriter holds a handler's answer until the middleware decides to send it.
type bufWriter struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (b *bufWriter) Header() http.Header         { return b.header }
func (b *bufWriter) Write(p []byte) (int, error) { return b.body.Write(p) }
func (b *bufWriter) WriteHeader(code int) {
	if b.status == 0 {
		b.status = code
	}
}

// wrap adds request ids, latency, injected faults, auth and counting to one route.
func (s *Server) wrap(route string, auth bool, h http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		reqID := fmt.Sprintf("req_%06d", s.reqSeq.Add(1))
		w.Header().Set("X-Request-Id", reqID)
		status := s.serveRoute(w, r, reqID, auth, h)
		s.count(route, status)
	})
}

func (s *Server) serveRoute(w http.ResponseWriter, r *http.Request, reqID string, auth bool,
	h http.HandlerFunc) int {
	if !s.pause(r) {
		return 0
	}
	if status, retryAfter := s.takeFault(); status != 0 {
		if retryAfter > 0 {
			w.Header().Set("Retry-After", strconv.Itoa(int((retryAfter+time.Second-1)/time.Second)))
		}
		writeError(w, reqID, status, "injected failure")
		return status
	}
	if auth && !s.authorized(r) {
		writeError(w, reqID, http.StatusUnauthorized, "missing or invalid bearer token")
		return http.StatusUnauthorized
	}
	buf := &bufWriter{header: w.Header()}
	h(buf, r.WithContext(withReqID(r.Context(), reqID)))
	if code := s.takeAfterFault(); code != 0 {
		w.Header().Del("Content-Type")
		writeError(w, reqID, code, "injected failure after processing")
		return code
	}
	if buf.status == 0 {
		buf.status = http.StatusOK
	}
	w.WriteHeader(buf.status)
	_, _ = w.Write(buf.body.Bytes())
	return buf.status
}

// pause applies the latency; false when the client went away meanwhile.
func (s *Server) pause(r *http.Request) bool {
	s.mu.Lock()
	d := s.faults.latency
	s.mu.Unlock()
	if d <= 0 {
		return true
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-r.Context().Done():
		return false
	case <-t.C:
		return true
	}
}

func (s *Server) takeFault() (status int, retryAfter time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.faults.n429 > 0 {
		s.faults.n429--
		return http.StatusTooManyRequests, s.faults.retryAfter
	}
	if s.faults.nFail > 0 {
		s.faults.nFail--
		return s.faults.failStatus, 0
	}
	return 0, 0
}

func (s *Server) takeAfterFault() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.faults.nAfter > 0 {
		s.faults.nAfter--
		return s.faults.afterCode
	}
	return 0
}

func (s *Server) authorized(r *http.Request) bool {
	got := []byte(r.Header.Get("Authorization"))
	want := []byte("Bearer " + s.opts.Token)
	return subtle.ConstantTimeCompare(got, want) == 1
}

func (s *Server) count(route string, status int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stats.Total++
	if s.stats.ByRoute[route] == nil {
		s.stats.ByRoute[route] = map[int]int{}
	}
	s.stats.ByRoute[route][status]++
}

// errorType is the v0 error type of a status.
func errorType(status int) string {
	switch {
	case status == 401 || status == 403:
		return "authentication"
	case status == 404:
		return "not_found"
	case status == 409:
		return "conflict"
	case status == 429:
		return "rate_limited"
	case status >= 500:
		return "server"
	}
	return "invalid_request"
}

func writeError(w http.ResponseWriter, reqID string, status int, msg string) {
	var body struct {
		Error struct {
			Type      string `json:"type"`
			Message   string `json:"message"`
			RequestID string `json:"request_id"`
		} `json:"error"`
	}
	body.Error.Type, body.Error.Message, body.Error.RequestID = errorType(status), msg, reqID
	writeJSON(w, status, body)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
