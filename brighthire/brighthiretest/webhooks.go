package brighthiretest

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"strconv"
	"time"

	"github.com/leverbright/leverbright/brighthire"
)

// Delivery tuning: a few attempts, quick backoff, bounded per attempt.
const (
	webhookAttempts = 4
	webhookBackoff  = 50 * time.Millisecond
	webhookTimeout  = 5 * time.Second
)

// notesEvent is one queued notes-ready event; its id is the same on every retry.
type notesEvent struct {
	id   string
	body []byte
}

// queueEvent builds the event of st's current version. Callers hold s.mu.
func (s *Server) queueEvent(leverID string, st *ivState) {
	if s.webhookURL == "" {
		return
	}
	var b struct {
		Type string `json:"type"`
		ID   string `json:"id"`
		Data struct {
			InterviewID  string              `json:"interview_id"`
			NotesVersion int                 `json:"notes_version"`
			External     brighthire.External `json:"external"`
		} `json:"data"`
	}
	b.Type, b.ID = brighthire.EventNotesReady, newEventID()
	b.Data.InterviewID, b.Data.NotesVersion, b.Data.External = st.id, st.version, noteExternal(st)
	body, _ := json.Marshal(b)
	s.events = append(s.events, notesEvent{id: b.ID, body: body})
}

func newEventID() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return "evt_" + hex.EncodeToString(b)
}

// poke wakes the sender without blocking.
func (s *Server) poke() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// run makes notes ready as the clock passes and sends queued events until ctx ends.
func (s *Server) run(ctx context.Context) {
	defer close(s.done)
	tick := time.NewTicker(min(max(s.opts.NotesDelay/4, 5*time.Millisecond), 100*time.Millisecond))
	defer tick.Stop()
	hc := &http.Client{Timeout: webhookTimeout}
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		case <-s.wake:
		}
		for _, ev := range s.takeEvents() {
			s.deliver(ctx, hc, ev)
		}
	}
}

func (s *Server) takeEvents() []notesEvent {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.refreshLocked()
	evs := s.events
	s.events = nil
	return evs
}

// deliver POSTs one event, retrying a few times on a transport error or non-2xx answer.
func (s *Server) deliver(ctx context.Context, hc *http.Client, ev notesEvent) {
	wait := webhookBackoff
	for range webhookAttempts {
		delivered, retry := s.send(ctx, hc, ev)
		if delivered {
			s.mu.Lock()
			s.sent++
			s.mu.Unlock()
		}
		if !retry {
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
		wait *= 2
	}
}

// send makes one attempt and reports whether it was delivered and whether to try again.
func (s *Server) send(ctx context.Context, hc *http.Client, ev notesEvent) (delivered, retry bool) {
	s.mu.Lock()
	url := s.webhookURL
	s.mu.Unlock()
	if url == "" {
		return false, false // nobody to tell any more; the poll finds the notes
	}
	ts := s.now()
	sig, err := brighthire.SignWebhook(s.opts.WebhookSecret, ev.id, ts, ev.body)
	if err != nil {
		return false, false // an unusable secret will not get better by retrying
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(ev.body))
	if err != nil {
		return false, false
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(brighthire.HeaderWebhookID, ev.id)
	req.Header.Set(brighthire.HeaderWebhookTimestamp, strconv.FormatInt(ts.Unix(), 10))
	req.Header.Set(brighthire.HeaderWebhookSignature, sig)
	resp, err := hc.Do(req)
	if err != nil {
		return false, true
	}
	_ = resp.Body.Close()
	ok := resp.StatusCode >= 200 && resp.StatusCode < 300
	return ok, !ok
}
