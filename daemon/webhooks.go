package daemon

import (
	"errors"
	"io"
	"mime"
	"net/http"
	"unicode/utf8"

	"github.com/leverbright/leverbright/brighthire"
	"github.com/leverbright/leverbright/lever"
	"github.com/leverbright/leverbright/store"
)

// maxWebhookBody is the largest delivery accepted; larger ones are answered 413.
const maxWebhookBody = 1 << 20

// Sources of inbox items.
const (
	sourceLever      = "lever"
	sourceBrightHire = "brighthire"
	sourceWork       = "work"
)

// webhookMux serves the public listener: the two webhook paths and nothing else.
func (d *Daemon) webhookMux() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/webhooks/lever", d.handleLeverWebhook)
	mux.HandleFunc("/webhooks/brighthire", d.handleBrightHireWebhook)
	return mux
}

// refusal is a delivery turned away, with its HTTP status and a short reason for the sender.
type refusal struct {
	status int
	reason string
}

func (r *refusal) Error() string { return r.reason }

// readDelivery checks method, content type and size and returns the raw body.
func readDelivery(w http.ResponseWriter, r *http.Request) ([]byte, *refusal) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		return nil, &refusal{http.StatusMethodNotAllowed, "method not allowed"}
	}
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || mt != "application/json" {
			return nil, &refusal{http.StatusUnsupportedMediaType, "content type must be application/json"}
		}
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxWebhookBody))
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		return nil, &refusal{http.StatusRequestEntityTooLarge, "body over 1 MiB"}
	case err != nil:
		return nil, &refusal{http.StatusBadRequest, "unreadable body"}
	case !utf8.Valid(body):
		return nil, &refusal{http.StatusBadRequest, "body is not valid UTF-8"}
	}
	return body, nil
}

// handleLeverWebhook verifies a Lever delivery, dedupes it and commits it before answering.
func (d *Daemon) handleLeverWebhook(w http.ResponseWriter, r *http.Request) {
	body, ref := readDelivery(w, r)
	event := "unknown"
	if ref == nil {
		var ev *lever.Event
		ev, ref = d.verifyLever(body)
		if ev != nil {
			event = eventLabel(ev.Name)
		}
		if ref == nil {
			ref = d.acceptLever(ev, r.Header.Get("Content-Type"))
		}
	}
	d.answer(w, sourceLever, event, ref)
}

// verifyLever parses and verifies a Lever envelope.
func (d *Daemon) verifyLever(body []byte) (*lever.Event, *refusal) {
	ev, err := lever.ParseEvent(body)
	if err != nil {
		return nil, &refusal{http.StatusBadRequest, "malformed envelope"}
	}
	if err := d.current().leverVerify.Verify(ev); err != nil {
		d.log.Debug("lever delivery refused", "event", ev.Name, "err", err)
		return &lever.Event{Name: ev.Name}, &refusal{http.StatusUnauthorized, verifyReason(err)}
	}
	return ev, nil
}

func verifyReason(err error) string {
	switch {
	case errors.Is(err, lever.ErrStale), errors.Is(err, lever.ErrFuture):
		return "outside the time window"
	case errors.Is(err, lever.ErrUnknownEvent):
		return "no signing token for this event"
	}
	return "bad signature"
}

// acceptLever commits a verified delivery and, with a forward URL, its relay, in one transaction.
func (d *Daemon) acceptLever(ev *lever.Event, contentType string) *refusal {
	if ev.IsPing() {
		return &refusal{http.StatusOK, "ping"}
	}
	now := d.now()
	key := ev.OpportunityID()
	items := []store.Item{{
		Source: sourceLever, Kind: ev.Name, Key: key, Body: ev.Raw,
		ContentType: contentType, ReceivedAt: now, NextAttempt: now,
	}}
	if d.current().cfg.BrightHire.ForwardURL != "" {
		items = append(items, store.Item{
			Source: sourceWork, Kind: kindForward, Key: "fwd:" + key, Body: ev.Raw,
			ContentType: contentTypeOr(contentType), ReceivedAt: now, NextAttempt: now,
		})
	}
	return d.ingest(ev.DedupeKey(), items)
}

func contentTypeOr(ct string) string {
	if ct == "" {
		return "application/json"
	}
	return ct
}

// ingest commits items under a dedupe key; a store failure is a 503 so the sender retries.
func (d *Daemon) ingest(dedupeKey string, items []store.Item) *refusal {
	dup, err := d.store.Ingest(dedupeKey, items...)
	if err != nil {
		d.log.Error("commit delivery", "err", err)
		return &refusal{http.StatusServiceUnavailable, "cannot store the delivery now"}
	}
	if dup {
		return &refusal{http.StatusOK, "duplicate"}
	}
	d.kick()
	return nil
}

// handleBrightHireWebhook verifies a notes-ready delivery and commits it before answering.
func (d *Daemon) handleBrightHireWebhook(w http.ResponseWriter, r *http.Request) {
	body, ref := readDelivery(w, r)
	event := "unknown"
	if ref == nil {
		var ev brighthire.NotesEvent
		ev, ref = d.verifyBrightHire(r.Header, body)
		if ref == nil {
			event = eventLabel(ev.Type)
			ref = d.acceptBrightHire(ev, body)
		}
	}
	d.answer(w, sourceBrightHire, event, ref)
}

func (d *Daemon) verifyBrightHire(h http.Header, body []byte) (brighthire.NotesEvent, *refusal) {
	v := d.current().bhVerify
	if v == nil {
		return brighthire.NotesEvent{}, &refusal{http.StatusUnauthorized, "no webhook secret configured"}
	}
	ev, err := v.Verify(h, body)
	switch {
	case errors.Is(err, brighthire.ErrMalformed):
		return ev, &refusal{http.StatusBadRequest, "malformed delivery"}
	case errors.Is(err, brighthire.ErrStale):
		return ev, &refusal{http.StatusUnauthorized, "outside the time window"}
	case err != nil:
		return ev, &refusal{http.StatusUnauthorized, "bad signature"}
	}
	return ev, nil
}

func (d *Daemon) acceptBrightHire(ev brighthire.NotesEvent, body []byte) *refusal {
	if ev.InterviewID == "" {
		return &refusal{http.StatusBadRequest, "no interview id"}
	}
	item := d.notesItem(ev.InterviewID, ev.NotesVersion, ev.External)
	item.Source = sourceBrightHire
	return d.ingest("brighthire|"+ev.ID, []store.Item{item})
}

// answer writes the delivery's status and counts it.
func (d *Daemon) answer(w http.ResponseWriter, source, event string, ref *refusal) {
	status, reason, result := http.StatusOK, "stored", "stored"
	if ref != nil {
		status, reason = ref.status, ref.reason
		result = reason
		if status != http.StatusOK {
			result = "refused"
		}
	}
	d.metrics.delivery(source, event, result)
	d.status.delivery(status == http.StatusOK)
	if status != http.StatusOK {
		d.refusals.Do(func() {
			d.log.Info("delivery refused", "source", source, "event", event, "status", status,
				"reason", reason)
		})
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(status)
	_, _ = io.WriteString(w, reason+"\n")
}
