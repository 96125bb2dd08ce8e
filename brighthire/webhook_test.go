package brighthire_test

import (
	"encoding/base64"
	"errors"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/leverbright/leverbright/brighthire"
)

var (
	whNow    = time.Unix(1767323045, 0)
	secretA  = "whsec_" + base64.StdEncoding.EncodeToString([]byte("first secret key bytes"))
	secretB  = "whsec_" + base64.StdEncoding.EncodeToString([]byte("second secret key bytes"))
	whBody   = []byte(`{"type":"interview.notes.ready","id":"evt_1","data":{"interview_id":"bhi_1","notes_version":2,"external":{"source":"lever","id":"iv1","application_id":"opp1"}}}`)
	whID     = "evt_1"
	verifier = func(secrets ...string) *brighthire.WebhookVerifier {
		return &brighthire.WebhookVerifier{Secrets: secrets, Now: func() time.Time { return whNow }}
	}
)

// signed returns headers for body signed with secret at ts.
func signed(t *testing.T, secret, id string, ts time.Time, body []byte) http.Header {
	t.Helper()
	sig, err := brighthire.SignWebhook(secret, id, ts, body)
	if err != nil {
		t.Fatalf("sign: %v", err)
	}
	h := http.Header{}
	h.Set("webhook-id", id)
	h.Set("webhook-timestamp", strconv.FormatInt(ts.Unix(), 10))
	h.Set("webhook-signature", sig)
	return h
}

func TestWebhookVerifier_Verify_Good(t *testing.T) {
	ev, err := verifier(secretA).Verify(signed(t, secretA, whID, whNow, whBody), whBody)
	if err != nil {
		t.Fatalf("verify: %v", err)
	}
	want := brighthire.NotesEvent{ID: whID, Type: brighthire.EventNotesReady, InterviewID: "bhi_1",
		NotesVersion: 2, External: brighthire.External{Source: "lever", ID: "iv1", ApplicationID: "opp1"}}
	if ev != want {
		t.Fatalf("event: got %+v, want %+v", ev, want)
	}
}

func TestWebhookVerifier_Verify_Accepts(t *testing.T) {
	tests := []struct {
		name    string
		secrets []string
		header  func(h http.Header)
		ts      time.Time
	}{
		{"rotated: old secret still listed", []string{secretB, secretA}, nil, whNow},
		{"several signatures, second matches", []string{secretA}, func(h http.Header) {
			h.Set("webhook-signature", "v1,"+base64.StdEncoding.EncodeToString([]byte("nope"))+
				" v1a,xyz "+h.Get("webhook-signature"))
		}, whNow},
		{"4m59s old", []string{secretA}, nil, whNow.Add(-299 * time.Second)},
		{"4m59s ahead", []string{secretA}, nil, whNow.Add(299 * time.Second)},
		{"secret without prefix", []string{secretA[len("whsec_"):]}, nil, whNow},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := signed(t, secretA, whID, tt.ts, whBody)
			if tt.header != nil {
				tt.header(h)
			}
			if _, err := verifier(tt.secrets...).Verify(h, whBody); err != nil {
				t.Fatalf("verify: %v", err)
			}
		})
	}
}

func TestWebhookVerifier_Verify_Rejects(t *testing.T) {
	good := func(t *testing.T) http.Header { return signed(t, secretA, whID, whNow, whBody) }
	tests := []struct {
		name    string
		secrets []string
		header  func(t *testing.T) http.Header
		body    []byte
		want    error
	}{
		{"tampered body", []string{secretA}, good, append([]byte(" "), whBody...), brighthire.ErrBadSignature},
		{"tampered id", []string{secretA}, func(t *testing.T) http.Header {
			h := good(t)
			h.Set("webhook-id", "evt_2")
			return h
		}, whBody, brighthire.ErrBadSignature},
		{"tampered timestamp", []string{secretA}, func(t *testing.T) http.Header {
			h := good(t)
			h.Set("webhook-timestamp", strconv.FormatInt(whNow.Unix()+1, 10))
			return h
		}, whBody, brighthire.ErrBadSignature},
		{"wrong secret", []string{secretB}, good, whBody, brighthire.ErrBadSignature},
		{"no secrets", nil, good, whBody, brighthire.ErrBadSignature},
		{"stale", []string{secretA}, func(t *testing.T) http.Header {
			return signed(t, secretA, whID, whNow.Add(-301*time.Second), whBody)
		}, whBody, brighthire.ErrStale},
		{"future", []string{secretA}, func(t *testing.T) http.Header {
			return signed(t, secretA, whID, whNow.Add(301*time.Second), whBody)
		}, whBody, brighthire.ErrStale},
		{"missing id", []string{secretA}, func(t *testing.T) http.Header {
			h := good(t)
			h.Del("webhook-id")
			return h
		}, whBody, brighthire.ErrMalformed},
		{"timestamp not a number", []string{secretA}, func(t *testing.T) http.Header {
			h := good(t)
			h.Set("webhook-timestamp", "yesterday")
			return h
		}, whBody, brighthire.ErrMalformed},
		{"no v1 signature", []string{secretA}, func(t *testing.T) http.Header {
			h := good(t)
			h.Set("webhook-signature", "v2,abc v1a,def")
			return h
		}, whBody, brighthire.ErrMalformed},
		{"signature not base64", []string{secretA}, func(t *testing.T) http.Header {
			h := good(t)
			h.Set("webhook-signature", "v1,!!!")
			return h
		}, whBody, brighthire.ErrMalformed},
		{"secret not base64", []string{"whsec_%%%"}, good, whBody, brighthire.ErrMalformed},
		{"body not json", []string{secretA}, func(t *testing.T) http.Header {
			return signed(t, secretA, whID, whNow, []byte("not json"))
		}, []byte("not json"), brighthire.ErrMalformed},
		{"body without interview", []string{secretA}, func(t *testing.T) http.Header {
			return signed(t, secretA, whID, whNow, []byte(`{"type":"x","data":{}}`))
		}, []byte(`{"type":"x","data":{}}`), brighthire.ErrMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := verifier(tt.secrets...).Verify(tt.header(t), tt.body)
			if !errors.Is(err, tt.want) {
				t.Fatalf("verify: got %v, want %v", err, tt.want)
			}
		})
	}
}

func TestSignWebhook_BadSecret(t *testing.T) {
	if _, err := brighthire.SignWebhook("whsec_", whID, whNow, whBody); !errors.Is(err, brighthire.ErrMalformed) {
		t.Fatalf("sign with an empty key: got %v, want ErrMalformed", err)
	}
}

func FuzzWebhookVerifier(f *testing.F) {
	sig, _ := brighthire.SignWebhook(secretA, whID, whNow, whBody)
	f.Add(whID, strconv.FormatInt(whNow.Unix(), 10), sig, whBody)
	f.Add("", "", "", []byte{})
	f.Add("evt", "-9223372036854775808", "v1, v1,==== v1a,x", []byte(`{"data":null}`))
	f.Add("evt", "99999999999999999999", "v1,"+sig, []byte(`{"type":"t","data":{"notes_version":1e9}}`))
	v := verifier(secretA, secretB)
	f.Fuzz(func(t *testing.T, id, ts, sig string, body []byte) {
		h := http.Header{}
		h.Set("webhook-id", id)
		h.Set("webhook-timestamp", ts)
		h.Set("webhook-signature", sig)
		ev, err := v.Verify(h, body)
		if err == nil && (ev.ID != id || ev.InterviewID == "") {
			t.Fatalf("accepted event %+v for id %q", ev, id)
		}
		if err != nil && !errors.Is(err, brighthire.ErrMalformed) &&
			!errors.Is(err, brighthire.ErrBadSignature) && !errors.Is(err, brighthire.ErrStale) {
			t.Fatalf("unclassified error: %v", err)
		}
	})
}
