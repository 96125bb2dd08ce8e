package levertest

import (
	"math"
	"net/http"
	"strconv"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// faults holds the limiter and the injected failures.
type faults struct {
	mu         sync.Mutex
	limiter    *rate.Limiter
	retryAfter bool
	failN      int
	failStatus int
	dropN      int
	latency    time.Duration
	force429   time.Time // every request answers 429 until then
}

func (f *faults) init(o Options) {
	rps, burst := o.RPS, o.Burst
	if rps <= 0 {
		rps = 10
	}
	if burst <= 0 {
		burst = 20
	}
	f.limiter = rate.NewLimiter(rate.Limit(rps), burst)
	f.retryAfter = o.RetryAfter
}

// SetLimit changes the per-key token bucket (default 10 rps, burst 20).
func (s *Server) SetLimit(rps float64, burst int) {
	s.faults.mu.Lock()
	defer s.faults.mu.Unlock()
	s.faults.limiter.SetLimit(rate.Limit(rps))
	s.faults.limiter.SetBurst(burst)
}

// SetRetryAfter turns the Retry-After header on 429s on or off.
func (s *Server) SetRetryAfter(on bool) {
	s.faults.mu.Lock()
	defer s.faults.mu.Unlock()
	s.faults.retryAfter = on
}

// FailNext makes the next n API requests answer status (e.g. 503).
func (s *Server) FailNext(n int, status int) {
	s.faults.mu.Lock()
	defer s.faults.mu.Unlock()
	s.faults.failN, s.faults.failStatus = n, status
}

// SetLatency delays every answer by d.
func (s *Server) SetLatency(d time.Duration) {
	s.faults.mu.Lock()
	defer s.faults.mu.Unlock()
	s.faults.latency = d
}

// DropNext closes the connection of the next n requests without answering.
func (s *Server) DropNext(n int) {
	s.faults.mu.Lock()
	defer s.faults.mu.Unlock()
	s.faults.dropN = n
}

// Force429 makes every request answer 429 for d.
func (s *Server) Force429(d time.Duration) {
	s.faults.mu.Lock()
	defer s.faults.mu.Unlock()
	s.faults.force429 = time.Now().Add(d)
}

// verdict is what the fault layer decided for one request.
type verdict struct {
	latency    time.Duration
	drop       bool
	status     int           // forced failure status, 0 for none
	retryAfter time.Duration // for 429s, when the header is on
}

// decide consumes one injected fault, in order drop, failure, forced 429.
func (f *faults) decide() verdict {
	f.mu.Lock()
	defer f.mu.Unlock()
	v := verdict{latency: f.latency}
	switch {
	case f.dropN > 0:
		f.dropN--
		v.drop = true
	case f.failN > 0:
		f.failN--
		v.status = f.failStatus
	case time.Now().Before(f.force429):
		v.status = http.StatusTooManyRequests
		v.retryAfter = f.header(time.Until(f.force429))
	}
	return v
}

// admit takes a token from the bucket, or says how long until one is free.
func (f *faults) admit() (ok bool, retryAfter time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	now := time.Now()
	r := f.limiter.ReserveN(now, 1)
	if !r.OK() {
		return false, f.header(time.Second)
	}
	if d := r.DelayFrom(now); d > 0 {
		r.CancelAt(now)
		return false, f.header(d)
	}
	return true, 0
}

// header returns d when Retry-After is on, else 0.
func (f *faults) header(d time.Duration) time.Duration {
	if !f.retryAfter {
		return 0
	}
	return d
}

func writeRetryAfter(w http.ResponseWriter, d time.Duration) {
	if d > 0 {
		secs := int(math.Ceil(d.Seconds()))
		w.Header().Set("Retry-After", strconv.Itoa(max(secs, 1)))
	}
}

// stats counts requests.
type stats struct {
	mu      sync.Mutex
	total   int
	byRoute map[string]map[int]int
	tooMany int
	window  []time.Time // arrivals of the last second
	peak    int
}

func (st *stats) init() { st.byRoute = map[string]map[int]int{} }

// Stats are the server's request counters.
type Stats struct {
	Total   int
	ByRoute map[string]map[int]int // "GET /opportunities/:id" -> status -> count; 0 = dropped
	TooMany int
	PeakRPS int // most requests that arrived within any one second
}

// Stats returns a copy of the counters.
func (s *Server) Stats() Stats {
	st := &s.stats
	st.mu.Lock()
	defer st.mu.Unlock()
	out := Stats{Total: st.total, TooMany: st.tooMany, PeakRPS: st.peak,
		ByRoute: map[string]map[int]int{}}
	for r, m := range st.byRoute {
		out.ByRoute[r] = map[int]int{}
		for code, n := range m {
			out.ByRoute[r][code] = n
		}
	}
	return out
}

// ResetStats zeroes the counters.
func (s *Server) ResetStats() {
	st := &s.stats
	st.mu.Lock()
	defer st.mu.Unlock()
	st.total, st.tooMany, st.peak, st.window = 0, 0, 0, nil
	st.byRoute = map[string]map[int]int{}
}

// arrive records one request arrival in the sliding one-second window.
func (st *stats) arrive(now time.Time) {
	st.mu.Lock()
	defer st.mu.Unlock()
	st.total++
	i := 0
	for i < len(st.window) && now.Sub(st.window[i]) >= time.Second {
		i++
	}
	st.window = append(st.window[i:], now)
	st.peak = max(st.peak, len(st.window))
}

func (st *stats) done(route string, status int) {
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.byRoute[route] == nil {
		st.byRoute[route] = map[int]int{}
	}
	st.byRoute[route][status]++
	if status == http.StatusTooManyRequests {
		st.tooMany++
	}
}
