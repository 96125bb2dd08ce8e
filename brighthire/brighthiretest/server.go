// Package brighthiretest is an in-memory fake of the BrightHire v0 API for tests and the
// demo: upserts with the source_updated_at rule, notes that become ready after the call,
// idempotent acks, a receiver for forwarded Lever deliveries, signed notes-ready webhooks,
// and fault injection. It listens on 127.0.0.1 only and is safe for concurrent use.
package brighthiretest

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/leverbright/leverbright/brighthire"
)

// Options configures a Server. The zero value is usable.
type Options struct {
	Token         string        // bearer token; default "bh-test-token"
	WebhookSecret string        // "whsec_<base64>"; default generated
	NotesDelay    time.Duration // notes are ready this long after the interview start; default 2s
	// RecordingSince is when BrightHire started recording: interviews that started before it
	// were never recorded and never get notes. Zero records every interview.
	RecordingSince time.Time
	Now            func() time.Time
}

// StoredInterview is an interview as the fake holds it.
type StoredInterview struct {
	ID string // BrightHire id, "bhi_..."
	brighthire.Interview
	Deleted      bool
	NotesVersion int // 0 until notes are ready
	NotesReady   bool
}

// AckRecord is one stored ack (repeats of an Idempotency-Key are not stored again).
type AckRecord struct {
	InterviewID      string // BrightHire id
	LeverInterviewID string
	Key              string
	brighthire.Ack
	At time.Time
}

// Forwarded is one Lever delivery received at ForwardURL.
type Forwarded struct {
	ContentType string
	Body        []byte
	At          time.Time
}

// ivState is the fake's record of one interview.
type ivState struct {
	id        string
	iv        brighthire.Interview
	deleted   bool
	firstSeen time.Time // first upsert; notes are never ready before it
	updatedAt time.Time // last change: upsert, readiness or regeneration
	version   int
	readyAt   time.Time // when the current version became ready
}

// Server is the fake. Create it with NewServer and Close it when done.
type Server struct {
	opts    Options
	handler http.Handler
	addr    string
	reqSeq  atomic.Int64

	netMu sync.Mutex // guards hs
	hs    *http.Server

	mu         sync.Mutex
	positions  map[string]brighthire.Position
	candidates map[string]brighthire.Candidate
	guides     map[string]brighthire.CallGuide
	interviews map[string]*ivState // by Lever id
	byBHID     map[string]string   // BrightHire id -> Lever id
	acks       []AckRecord
	ackReplies map[string]reply // by Idempotency-Key
	forwarded  []Forwarded
	webhookURL string
	events     []notesEvent
	sent       int
	faults     faults
	stats      Stats

	wake   chan struct{}
	cancel context.CancelFunc
	done   chan struct{}
	closed atomic.Bool
}

// reply is a stored answer, replayed for a repeated Idempotency-Key.
type reply struct {
	status int
	body   []byte
}

// NewServer starts the fake on a free 127.0.0.1 port, like httptest.NewServer.
func NewServer(opts Options) *Server {
	opts = withDefaults(opts)
	ctx, cancel := context.WithCancel(context.Background())
	s := &Server{
		opts: opts, positions: map[string]brighthire.Position{},
		candidates: map[string]brighthire.Candidate{}, guides: map[string]brighthire.CallGuide{},
		interviews: map[string]*ivState{}, byBHID: map[string]string{},
		ackReplies: map[string]reply{}, stats: newStats(),
		wake: make(chan struct{}, 1), cancel: cancel, done: make(chan struct{}),
	}
	s.handler = s.routes()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(fmt.Sprintf("brighthiretest: listen: %v", err))
	}
	s.addr = ln.Addr().String()
	s.serve(ln)
	go s.run(ctx)
	return s
}

func withDefaults(o Options) Options {
	if o.Token == "" {
		o.Token = "bh-test-token"
	}
	if o.WebhookSecret == "" {
		key := make([]byte, 24)
		_, _ = rand.Read(key)
		o.WebhookSecret = "whsec_" + base64.StdEncoding.EncodeToString(key)
	}
	if o.NotesDelay == 0 {
		o.NotesDelay = 2 * time.Second
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return o
}

func (s *Server) serve(ln net.Listener) {
	hs := &http.Server{Handler: s.handler, ReadHeaderTimeout: 5 * time.Second}
	s.hs = hs
	go func() { _ = hs.Serve(ln) }()
}

// URL is the base URL, without /v0, e.g. http://127.0.0.1:1234.
func (s *Server) URL() string { return "http://" + s.addr }

// ForwardURL is where forwarded Lever deliveries are received and recorded. It takes no
// bearer token, like a BrightHire-issued webhook URL.
func (s *Server) ForwardURL() string { return s.URL() + "/hooks/lever" }

// Token is the bearer token the API accepts.
func (s *Server) Token() string { return s.opts.Token }

// WebhookSecret is the "whsec_" secret notes-ready webhooks are signed with.
func (s *Server) WebhookSecret() string { return s.opts.WebhookSecret }

func (s *Server) now() time.Time { return s.opts.Now().UTC() }

// Close stops the webhook sender and the listener. It is safe to call twice.
func (s *Server) Close() {
	if s.closed.Swap(true) {
		return
	}
	s.cancel()
	<-s.done
	s.netMu.Lock()
	defer s.netMu.Unlock()
	if s.hs != nil {
		_ = s.hs.Close()
		s.hs = nil
	}
}

// SetDown makes the server refuse connections (listener and open connections closed) or
// listen again on the same 127.0.0.1 port.
func (s *Server) SetDown(down bool) {
	s.netMu.Lock()
	defer s.netMu.Unlock()
	if s.closed.Load() {
		return
	}
	if down && s.hs != nil {
		_ = s.hs.Close()
		s.hs = nil
		return
	}
	if !down && s.hs == nil {
		s.serve(relisten(s.addr))
	}
}

// relisten binds addr again, waiting briefly if the port is not free yet.
func relisten(addr string) net.Listener {
	var err error
	for range 100 {
		var ln net.Listener
		if ln, err = net.Listen("tcp", addr); err == nil {
			return ln
		}
		time.Sleep(20 * time.Millisecond)
	}
	panic(fmt.Sprintf("brighthiretest: listen again on %s: %v", addr, err))
}

// SetNotesWebhook sets where signed notes-ready events are POSTed ("" stops sending).
func (s *Server) SetNotesWebhook(url string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.webhookURL = url
}
