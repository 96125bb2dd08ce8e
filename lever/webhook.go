package lever

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"
)

// Webhook event names.
const (
	EventApplicationCreated     = "applicationCreated"
	EventInterviewCreated       = "interviewCreated"
	EventInterviewUpdated       = "interviewUpdated"
	EventInterviewDeleted       = "interviewDeleted"
	EventCandidateStageChange   = "candidateStageChange"
	EventCandidateArchiveChange = "candidateArchiveChange"
	EventCandidateHired         = "candidateHired"
	EventCandidateDeleted       = "candidateDeleted"
)

// Webhook verification errors.
var (
	ErrMalformed    = errors.New("lever webhook: malformed body")
	ErrBadSignature = errors.New("lever webhook: bad signature")
	ErrUnknownEvent = errors.New("lever webhook: no signing token for event")
	ErrStale        = errors.New("lever webhook: delivery too old")
	ErrFuture       = errors.New("lever webhook: delivery from the future")
)

// Verification window defaults.
const (
	DefaultMaxAge    = 5 * time.Minute
	DefaultMaxFuture = time.Minute
)

// EventData holds the ids a delivery carries. CandidateID is the deprecated
// alias of the opportunity id.
type EventData struct {
	OpportunityID string `json:"opportunityId"`
	InterviewID   string `json:"interviewId"`
	PanelID       string `json:"panelId"`
	ApplicationID string `json:"applicationId"`
	ContactID     string `json:"contactId"`
	CandidateID   string `json:"candidateId"`
}

// Event is a parsed webhook delivery. Raw is the body exactly as received.
// Only Token and TriggeredAt are covered by the signature, never Data.
type Event struct {
	Raw         []byte
	Name        string
	TriggeredAt int64 // ms since epoch
	Token       string
	Signature   string
	Data        EventData
}

// IsPing reports whether the delivery carries no ids, as Lever's "Verify"
// button sends; it is answered 200 and otherwise ignored.
func (e *Event) IsPing() bool { return e.Data == EventData{} }

// OpportunityID returns Data.OpportunityID, else the legacy CandidateID.
func (e *Event) OpportunityID() string {
	if e.Data.OpportunityID != "" {
		return e.Data.OpportunityID
	}
	return e.Data.CandidateID
}

// DedupeKey identifies this delivery across redeliveries.
func (e *Event) DedupeKey() string {
	sum := sha256.Sum256(e.Raw)
	return "lever|" + e.Name + "|" + e.Token + "|" +
		strconv.FormatInt(e.TriggeredAt, 10) + "|" + hex.EncodeToString(sum[:])[:32]
}

// ParseEvent decodes a delivery body. triggeredAt must be a bare JSON
// integer; any other shape wraps ErrMalformed.
func ParseEvent(body []byte) (*Event, error) {
	var env struct {
		TriggeredAt json.RawMessage `json:"triggeredAt"`
		Event       string          `json:"event"`
		Token       string          `json:"token"`
		Signature   string          `json:"signature"`
		Data        json.RawMessage `json:"data"`
	}
	if err := json.Unmarshal(body, &env); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	at, err := parseMillis(env.TriggeredAt)
	if err != nil {
		return nil, err
	}
	if env.Event == "" || env.Token == "" || env.Signature == "" {
		return nil, fmt.Errorf("%w: event, token and signature are required", ErrMalformed)
	}
	e := &Event{Raw: bytes.Clone(body), Name: env.Event, TriggeredAt: at,
		Token: env.Token, Signature: env.Signature}
	if err := decodeData(env.Data, &e.Data); err != nil {
		return nil, err
	}
	return e, nil
}

// parseMillis reads triggeredAt as the digits of a JSON number, so it is never
// rounded through float64.
func parseMillis(raw json.RawMessage) (int64, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return 0, fmt.Errorf("%w: triggeredAt is missing", ErrMalformed)
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var n any
	if err := dec.Decode(&n); err != nil {
		return 0, fmt.Errorf("%w: triggeredAt: %v", ErrMalformed, err)
	}
	num, ok := n.(json.Number)
	if !ok {
		return 0, fmt.Errorf("%w: triggeredAt is not a number", ErrMalformed)
	}
	at, err := strconv.ParseInt(num.String(), 10, 64)
	if err != nil || at <= 0 {
		return 0, fmt.Errorf("%w: triggeredAt %q is not a positive integer", ErrMalformed, num)
	}
	return at, nil
}

func decodeData(raw json.RawMessage, d *EventData) error {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return nil
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		return fmt.Errorf("%w: data is not an object", ErrMalformed)
	}
	for key, dst := range map[string]*string{
		"opportunityId": &d.OpportunityID, "interviewId": &d.InterviewID,
		"panelId": &d.PanelID, "applicationId": &d.ApplicationID,
		"contactId": &d.ContactID, "candidateId": &d.CandidateID,
	} {
		if s, ok := m[key].(string); ok {
			*dst = s
		}
	}
	return nil
}

// Sign returns the signature Lever puts on a delivery: lowercase hex
// HMAC-SHA256 keyed by the subscription's signing token over token followed
// by the decimal digits of triggeredAt.
func Sign(signingToken, token string, triggeredAt int64) string {
	return hex.EncodeToString(mac(signingToken, token, triggeredAt))
}

func mac(signingToken, token string, triggeredAt int64) []byte {
	h := hmac.New(sha256.New, []byte(signingToken))
	h.Write([]byte(token))
	h.Write([]byte(strconv.FormatInt(triggeredAt, 10)))
	return h.Sum(nil)
}

// Verifier checks delivery signatures and freshness. Tokens maps an event
// name to its signing tokens (several during rotation); Fallback tokens are
// tried for every event (the pre-2021 account-wide token). MaxAge and
// MaxFuture default to 5m and 1m; a negative value disables the check.
type Verifier struct {
	Tokens    map[string][]string
	Fallback  []string
	MaxAge    time.Duration
	MaxFuture time.Duration
	Now       func() time.Time
}

// Verify returns nil when e is signed by one of its event's tokens (or a
// fallback token) and was triggered within the allowed window; otherwise
// ErrUnknownEvent, ErrBadSignature, ErrStale or ErrFuture.
func (v *Verifier) Verify(e *Event) error {
	tokens := append(append([]string(nil), v.Tokens[e.Name]...), v.Fallback...)
	if len(tokens) == 0 {
		return fmt.Errorf("%w %q", ErrUnknownEvent, e.Name)
	}
	got, err := hex.DecodeString(e.Signature)
	if err != nil || len(got) != sha256.Size {
		return ErrBadSignature
	}
	match := false
	for _, t := range tokens {
		// Every token is compared, so timing does not reveal which matched.
		match = hmac.Equal(mac(t, e.Token, e.TriggeredAt), got) || match
	}
	if !match {
		return ErrBadSignature
	}
	return v.checkAge(e.TriggeredAt)
}

func (v *Verifier) checkAge(at int64) error {
	now := time.Now()
	if v.Now != nil {
		now = v.Now()
	}
	age := now.Sub(time.UnixMilli(at))
	maxAge, maxFuture := orDefault(v.MaxAge, DefaultMaxAge), orDefault(v.MaxFuture, DefaultMaxFuture)
	if maxAge > 0 && age > maxAge {
		return fmt.Errorf("%w: triggered %s ago", ErrStale, age.Round(time.Second))
	}
	if maxFuture > 0 && -age > maxFuture {
		return fmt.Errorf("%w: triggered %s ahead", ErrFuture, (-age).Round(time.Second))
	}
	return nil
}

func orDefault(d, def time.Duration) time.Duration {
	if d == 0 {
		return def
	}
	return d
}
