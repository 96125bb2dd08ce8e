package brighthire

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// EventNotesReady is the type of the notes-ready webhook event.
const EventNotesReady = "interview.notes.ready"

// Webhook header names (Standard Webhooks).
const (
	HeaderWebhookID        = "webhook-id"
	HeaderWebhookTimestamp = "webhook-timestamp"
	HeaderWebhookSignature = "webhook-signature"
)

// Verification errors; Verify wraps them with detail.
var (
	ErrMalformed    = errors.New("brighthire webhook: malformed")
	ErrBadSignature = errors.New("brighthire webhook: bad signature")
	ErrStale        = errors.New("brighthire webhook: timestamp out of tolerance")
)

// DefaultTolerance is how far a webhook timestamp may be from now, either way.
const DefaultTolerance = 5 * time.Minute

// maxSignatures bounds the work one request can ask for.
const maxSignatures = 16

// NotesEvent is a verified notes-ready event. ID is the webhook-id header, the same on every
// retry of one event: dedupe on it.
type NotesEvent struct {
	ID           string
	Type         string
	InterviewID  string
	NotesVersion int
	External     External
}

// WebhookVerifier checks notes-ready webhooks. Several secrets may be set while one is
// rotated; a signature made with any of them is accepted.
type WebhookVerifier struct {
	Secrets   []string // "whsec_<base64>"
	Tolerance time.Duration
	Now       func() time.Time
}

// Verify checks the headers and signature of one delivery and parses its body. Errors wrap
// ErrMalformed (headers, secret or body unusable), ErrBadSignature or ErrStale. The
// signature is checked before the timestamp, so an unsigned request learns nothing.
func (v *WebhookVerifier) Verify(h http.Header, body []byte) (NotesEvent, error) {
	id, ts, sigs, err := webhookHeaders(h)
	if err != nil {
		return NotesEvent{}, err
	}
	if err := v.checkSignature(id, ts, body, sigs); err != nil {
		return NotesEvent{}, err
	}
	if err := v.checkTime(ts); err != nil {
		return NotesEvent{}, err
	}
	ev, err := parseNotesEvent(body)
	if err != nil {
		return NotesEvent{}, err
	}
	ev.ID = id
	return ev, nil
}

// webhookHeaders returns the id, the raw timestamp and the v1 signatures.
func webhookHeaders(h http.Header) (id, ts string, sigs [][]byte, err error) {
	id, ts = h.Get(HeaderWebhookID), h.Get(HeaderWebhookTimestamp)
	if id == "" || ts == "" {
		return "", "", nil, fmt.Errorf("%w: missing webhook-id or webhook-timestamp", ErrMalformed)
	}
	if _, perr := strconv.ParseInt(ts, 10, 64); perr != nil {
		return "", "", nil, fmt.Errorf("%w: webhook-timestamp is not unix seconds", ErrMalformed)
	}
	for i, part := range strings.Fields(h.Get(HeaderWebhookSignature)) {
		if i >= maxSignatures {
			break
		}
		ver, b64, ok := strings.Cut(part, ",")
		if !ok || ver != "v1" {
			continue // other schemes (e.g. v1a) are not ours to check
		}
		if sig, derr := base64.StdEncoding.DecodeString(b64); derr == nil {
			sigs = append(sigs, sig)
		}
	}
	if len(sigs) == 0 {
		return "", "", nil, fmt.Errorf("%w: no v1 signature", ErrMalformed)
	}
	return id, ts, sigs, nil
}

func (v *WebhookVerifier) checkSignature(id, ts string, body []byte, sigs [][]byte) error {
	if len(v.Secrets) == 0 {
		return fmt.Errorf("%w: no webhook secret configured", ErrBadSignature)
	}
	for i, s := range v.Secrets {
		key, err := ParseSecret(s)
		if err != nil {
			return fmt.Errorf("webhook secret %d: %w", i, err)
		}
		want := mac(key, id, ts, body)
		for _, sig := range sigs {
			if hmac.Equal(sig, want) {
				return nil
			}
		}
	}
	return ErrBadSignature
}

func (v *WebhookVerifier) checkTime(ts string) error {
	sec, _ := strconv.ParseInt(ts, 10, 64) // checked in webhookHeaders
	tol := v.Tolerance
	if tol <= 0 {
		tol = DefaultTolerance
	}
	now := time.Now
	if v.Now != nil {
		now = v.Now
	}
	n := now().Unix()
	limit := int64(tol / time.Second)
	if sec < n-limit || sec > n+limit {
		return fmt.Errorf("%w: timestamp %d, now %d", ErrStale, sec, n)
	}
	return nil
}

// eventBody is the wire shape of a notes-ready event.
type eventBody struct {
	Type string `json:"type"`
	ID   string `json:"id"`
	Data struct {
		InterviewID  string   `json:"interview_id"`
		NotesVersion int      `json:"notes_version"`
		External     External `json:"external"`
	} `json:"data"`
}

func parseNotesEvent(body []byte) (NotesEvent, error) {
	var b eventBody
	if err := json.Unmarshal(body, &b); err != nil {
		return NotesEvent{}, fmt.Errorf("%w: body: %v", ErrMalformed, err)
	}
	if b.Type == "" || b.Data.InterviewID == "" || b.Data.NotesVersion < 1 {
		return NotesEvent{}, fmt.Errorf("%w: body lacks type, interview_id or notes_version",
			ErrMalformed)
	}
	return NotesEvent{Type: b.Type, InterviewID: b.Data.InterviewID,
		NotesVersion: b.Data.NotesVersion, External: b.Data.External}, nil
}

// ParseSecret returns the HMAC key of a "whsec_<base64>" secret (the prefix is optional).
func ParseSecret(s string) ([]byte, error) {
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(s, "whsec_"))
	if err != nil || len(key) == 0 {
		return nil, fmt.Errorf("%w: secret is not whsec_ followed by base64", ErrMalformed)
	}
	return key, nil
}

// SignWebhook returns the webhook-signature value "v1,<base64>" of one delivery.
func SignWebhook(secret, id string, ts time.Time, body []byte) (string, error) {
	key, err := ParseSecret(secret)
	if err != nil {
		return "", err
	}
	sum := mac(key, id, strconv.FormatInt(ts.Unix(), 10), body)
	return "v1," + base64.StdEncoding.EncodeToString(sum), nil
}

func mac(key []byte, id, ts string, body []byte) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(id + "." + ts + "."))
	m.Write(body)
	return m.Sum(nil)
}
