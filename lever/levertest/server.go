// Package levertest runs a fake Lever Data API on 127.0.0.1 for tests and
// benchmarks: a seeded, realistic data set, Lever's pagination, filters,
// rate limit and webhook signing, plus fault injection and counters.
package levertest

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	mrand "math/rand/v2"
	"net/http/httptest"
	"sort"
	"sync"
	"time"

	"github.com/leverbright/leverbright/lever"
)

// Options configure a Server. Zero values take the defaults in brackets.
type Options struct {
	Seed          int64   // generator seed [0]
	Opportunities int     // how many opportunities to generate [200]
	RPS           float64 // Lever's steady rate per key [10]
	Burst         int     // Lever's burst [20]
	// RetryAfter sends a Retry-After header (whole seconds) on 429s. Go's
	// zero value cannot default to true, so set it explicitly or call
	// SetRetryAfter.
	RetryAfter bool
	APIKey     string           // accepted key ["test-key"]
	Now        func() time.Time // clock [time.Now]
}

// Server is a fake Lever. All methods are safe for concurrent use.
type Server struct {
	srv    *httptest.Server
	apiKey string
	now    func() time.Time

	mu        sync.Mutex
	rng       *mrand.Rand
	offsetKey []byte
	opps      map[string]*opp
	order     []*opp // live opportunities sorted by sortKey
	deletedIV map[string]bool
	contacts  map[string]lever.Contact
	stages    []lever.Stage
	reasons   []lever.ArchiveReason
	postings  []lever.Posting
	users     []lever.User
	templates []lever.FeedbackTemplate
	webhooks  []lever.Webhook
	tokens    map[string]string // event -> signing token

	faults faults
	stats  stats
}

// opp is an opportunity with everything hanging off it.
type opp struct {
	o          lever.Opportunity
	key        string // "%013d|id" of updatedAt, the list order
	apps       []lever.Application
	interviews []lever.Interview
	notes      []lever.Note
	deleted    bool
}

// NewServer generates the data set and starts serving on 127.0.0.1.
// Close it when done.
func NewServer(opts Options) *Server {
	if opts.Opportunities <= 0 {
		opts.Opportunities = 200
	}
	if opts.APIKey == "" {
		opts.APIKey = "test-key"
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	s := &Server{
		apiKey: opts.APIKey, now: opts.Now,
		rng:       mrand.New(mrand.NewPCG(uint64(opts.Seed), 0x1e7e7)),
		offsetKey: randomBytes(32), opps: map[string]*opp{},
		deletedIV: map[string]bool{}, contacts: map[string]lever.Contact{},
		tokens: map[string]string{},
	}
	s.faults.init(opts)
	s.stats.init()
	for _, e := range allEvents {
		s.tokens[e] = randomToken()
	}
	s.generate(opts.Opportunities)
	s.srv = httptest.NewServer(s.routes())
	return s
}

// URL is the API base URL including /v1.
func (s *Server) URL() string { return s.srv.URL + "/v1" }

// Close stops the server.
func (s *Server) Close() { s.srv.Close() }

// APIKey is the only key the server accepts.
func (s *Server) APIKey() string { return s.apiKey }

// InvalidateOffsets makes every pagination token issued so far stale, as if
// Lever had expired them; using one then answers 400.
func (s *Server) InvalidateOffsets() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.offsetKey = randomBytes(32)
}

var allEvents = []string{lever.EventApplicationCreated, lever.EventInterviewCreated,
	lever.EventInterviewUpdated, lever.EventInterviewDeleted, lever.EventCandidateStageChange,
	lever.EventCandidateArchiveChange, lever.EventCandidateHired, lever.EventCandidateDeleted}

func (s *Server) nowMs() lever.Time { return lever.FromTime(s.now()) }

// setKey recomputes o's list position; callers hold s.mu.
func (s *Server) setKey(o *opp) {
	o.key = sortKey(o.o.UpdatedAt, o.o.ID)
}

func sortKey(t lever.Time, id string) string {
	return fmt.Sprintf("%013d|%s", int64(t), id)
}

// reindex moves o to its sorted place in s.order after its key changed.
func (s *Server) reindex(o *opp, oldKey string) {
	if i := s.find(oldKey); i < len(s.order) && s.order[i] == o {
		s.order = append(s.order[:i], s.order[i+1:]...)
	}
	if o.deleted {
		return
	}
	i := s.find(o.key)
	s.order = append(s.order, nil)
	copy(s.order[i+1:], s.order[i:])
	s.order[i] = o
}

// find returns the first position in s.order whose key is >= key.
func (s *Server) find(key string) int {
	return sort.Search(len(s.order), func(i int) bool { return s.order[i].key >= key })
}

// touch bumps o's updatedAt to now (strictly later than before, so a frozen
// test clock still shows a change) and re-sorts it.
func (s *Server) touch(o *opp) {
	old := o.key
	t := s.nowMs()
	if t <= o.o.UpdatedAt {
		t = o.o.UpdatedAt + 1
	}
	o.o.UpdatedAt, o.o.LastInteractionAt = t, t
	s.setKey(o)
	s.reindex(o, old)
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return b
}

func randomToken() string { return hex.EncodeToString(randomBytes(20)) }

// uuid returns a random UUID-shaped id from the seeded generator.
func (s *Server) uuid() string {
	var b [16]byte
	for i := 0; i < 16; i += 8 {
		v := s.rng.Uint64()
		for j := 0; j < 8; j++ {
			b[i+j] = byte(v >> (8 * j))
		}
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}
