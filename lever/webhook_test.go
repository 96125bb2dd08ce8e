package lever_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/leverbright/leverbright/lever"
)

// expectSig computes a signature independently of lever.Sign.
func expectSig(key, msg string) string {
	m := hmac.New(sha256.New, []byte(key))
	m.Write([]byte(msg))
	return hex.EncodeToString(m.Sum(nil))
}

func TestSign_KnownVectors(t *testing.T) {
	for _, tc := range []struct {
		key, token string
		at         int64
		msg        string
	}{
		{"sig-token", "abc123", 1628541381007, "abc1231628541381007"},
		{"sig-token", "abc123", 1628541381000, "abc1231628541381000"},
		{"sig-token", "abc123", 1700000000000, "abc1231700000000000"},
		{"", "t", 1, "t1"},
	} {
		got := lever.Sign(tc.key, tc.token, tc.at)
		if want := expectSig(tc.key, tc.msg); got != want {
			t.Fatalf("Sign(%q,%q,%d): got %s, want %s", tc.key, tc.token, tc.at, got, want)
		}
	}
}

func TestSign_FixedVector(t *testing.T) {
	// Computed once with: printf 'tok1628541381000' | openssl dgst -sha256 -hmac key
	got := lever.Sign("key", "tok", 1628541381000)
	const want = "07d110c88a7c16218801f2bc18f7ba2a23210b299b3e2b59a6373f4be9915edd"
	if got != want {
		t.Fatalf("got %s, want %s", got, want)
	}
	if strings.ToLower(got) != got || len(got) != 64 {
		t.Fatalf("signature not lowercase 64-hex: %s", got)
	}
}

const evTok = "per-event-signing-token"

var now0 = time.UnixMilli(1628541381000)

// body builds a delivery whose signature is computed by the test itself.
func body(event, token string, at string, sig string, data string) []byte {
	return []byte(fmt.Sprintf(`{"triggeredAt": %s, "event": %q, "token": %q, "signature": %q, "data": %s}`,
		at, event, token, sig, data))
}

func verifier() *lever.Verifier {
	return &lever.Verifier{
		Tokens: map[string][]string{lever.EventInterviewCreated: {evTok},
			lever.EventCandidateStageChange: {"other-event-token"}},
		Now: func() time.Time { return now0 },
	}
}

func TestVerifier_Verify(t *testing.T) {
	good := expectSig(evTok, "tk1628541381000")
	data := `{"opportunityId":"o1","interviewId":"i1"}`
	reordered := []byte(fmt.Sprintf("{\n\t\"data\" : %s ,\n \"signature\":%q,\"token\":\"tk\",\r\n"+
		"\"event\":\"interviewCreated\",   \"triggeredAt\":1628541381000 }", data, good))
	cases := []struct {
		name string
		body []byte
		want error
	}{
		{"valid", body("interviewCreated", "tk", "1628541381000", good, data), nil},
		{"trailing zeros kept", body("interviewCreated", "tk", "1628541381000", good, "{}"), nil},
		{"other whitespace and key order", reordered, nil},
		{"ping with empty data", body("interviewCreated", "tk", "1628541381000", good, "{}"), nil},
		{"changed token digit", body("interviewCreated", "tl", "1628541381000", good, data),
			lever.ErrBadSignature},
		{"changed time digit", body("interviewCreated", "tk", "1628541381001", good, data),
			lever.ErrBadSignature},
		{"changed signature digit", body("interviewCreated", "tk", "1628541381000",
			flip(good), data), lever.ErrBadSignature},
		{"wrong event's token", body("candidateStageChange", "tk", "1628541381000", good, data),
			lever.ErrBadSignature},
		{"unknown event", body("candidateHired", "tk", "1628541381000", good, data),
			lever.ErrUnknownEvent},
		{"stale", body("interviewCreated", "tk", "1628540981000",
			expectSig(evTok, "tk1628540981000"), data), lever.ErrStale},
		{"future", body("interviewCreated", "tk", "1628541501000",
			expectSig(evTok, "tk1628541501000"), data), lever.ErrFuture},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e, err := lever.ParseEvent(tc.body)
			if err != nil {
				t.Fatalf("parse: %v", err)
			}
			if err := verifier().Verify(e); !errors.Is(err, tc.want) {
				t.Fatalf("verify: got %v, want %v", err, tc.want)
			}
		})
	}
}

func flip(hexSig string) string {
	b := []byte(hexSig)
	if b[10] == '0' {
		b[10] = '1'
	} else {
		b[10] = '0'
	}
	return string(b)
}

func TestVerifier_Verify_Ping(t *testing.T) {
	for _, data := range []string{"{}", "null", `{"note":"test"}`} {
		e, err := lever.ParseEvent(body("interviewCreated", "tk", "1628541381000",
			expectSig(evTok, "tk1628541381000"), data))
		if err != nil {
			t.Fatalf("parse %s: %v", data, err)
		}
		if err := verifier().Verify(e); err != nil || !e.IsPing() {
			t.Fatalf("data %s: got err=%v ping=%v, want nil true", data, err, e.IsPing())
		}
	}
}

func TestVerifier_Verify_RotatedTokens(t *testing.T) {
	v := verifier()
	v.Tokens[lever.EventInterviewCreated] = []string{"old-token", "new-token"}
	for _, key := range []string{"old-token", "new-token"} {
		e, err := lever.ParseEvent(body("interviewCreated", "tk", "1628541381000",
			expectSig(key, "tk1628541381000"), "{}"))
		if err != nil {
			t.Fatalf("parse: %v", err)
		}
		if err := v.Verify(e); err != nil {
			t.Fatalf("verify with %s: got %v, want nil", key, err)
		}
	}
}

func TestVerifier_Verify_Fallback(t *testing.T) {
	v := &lever.Verifier{Fallback: []string{"account-token"}, Now: func() time.Time { return now0 }}
	e, err := lever.ParseEvent(body("candidateHired", "tk", "1628541381000",
		expectSig("account-token", "tk1628541381000"), `{"opportunityId":"o"}`))
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	if err := v.Verify(e); err != nil {
		t.Fatalf("verify: got %v, want nil", err)
	}
}

func TestParseEvent_Fields(t *testing.T) {
	raw := body("interviewCreated", "tk", "1628541381000", "ab", `{"opportunityId":"o1",
		"interviewId":"i1","panelId":"p1","contactId":"c1","candidateId":"o1","extra":[1]}`)
	e, err := lever.ParseEvent(raw)
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	check(t, "data", e.Data, lever.EventData{OpportunityID: "o1", InterviewID: "i1",
		PanelID: "p1", ContactID: "c1", CandidateID: "o1"})
	check(t, "triggeredAt", e.TriggeredAt, int64(1628541381000))
	check(t, "ping", e.IsPing(), false)
	check(t, "opportunity", e.OpportunityID(), "o1")
	sum := sha256.Sum256(raw)
	check(t, "dedupe", e.DedupeKey(), "lever|interviewCreated|tk|1628541381000|"+
		hex.EncodeToString(sum[:])[:32])
}

func TestEvent_OpportunityID_CandidateFallback(t *testing.T) {
	e, err := lever.ParseEvent(body("candidateHired", "tk", "5", "ab", `{"candidateId":"c9"}`))
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	check(t, "opportunity", e.OpportunityID(), "c9")
	check(t, "ping", e.IsPing(), false)
}

func TestParseEvent_Malformed(t *testing.T) {
	for name, raw := range map[string]string{
		"float":        `{"triggeredAt":1628541381000.0,"event":"e","token":"t","signature":"s"}`,
		"exponent":     `{"triggeredAt":1.628541381e12,"event":"e","token":"t","signature":"s"}`,
		"string time":  `{"triggeredAt":"1628541381000","event":"e","token":"t","signature":"s"}`,
		"missing time": `{"event":"e","token":"t","signature":"s"}`,
		"negative":     `{"triggeredAt":-5,"event":"e","token":"t","signature":"s"}`,
		"no token":     `{"triggeredAt":5,"event":"e","signature":"s"}`,
		"data array":   `{"triggeredAt":5,"event":"e","token":"t","signature":"s","data":[]}`,
		"not json":     `triggeredAt=5`,
	} {
		if _, err := lever.ParseEvent([]byte(raw)); !errors.Is(err, lever.ErrMalformed) {
			t.Fatalf("%s: got %v, want ErrMalformed", name, err)
		}
	}
}

func FuzzParseAndVerify(f *testing.F) {
	good := expectSig(evTok, "tk1628541381000")
	f.Add(body("interviewCreated", "tk", "1628541381000", good, `{"opportunityId":"o"}`))
	f.Add(body("interviewCreated", "tk", "1e3", good, "null"))
	f.Add([]byte(`{"triggeredAt":99999999999999999999,"event":"x","token":"t","signature":"zz"}`))
	f.Add([]byte(`{"data":{"opportunityId":5}}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, b []byte) {
		e, err := lever.ParseEvent(b)
		if err != nil {
			if !errors.Is(err, lever.ErrMalformed) {
				t.Fatalf("parse error not ErrMalformed: %v", err)
			}
			return
		}
		_ = e.DedupeKey()
		_ = e.IsPing()
		err = verifier().Verify(e)
		if err == nil && lever.Sign(evTok, e.Token, e.TriggeredAt) != strings.ToLower(e.Signature) {
			t.Fatalf("accepted a delivery not signed with the event token")
		}
	})
}
