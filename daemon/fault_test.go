package daemon_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/leverbright/leverbright/brighthire"
	"github.com/leverbright/leverbright/brighthire/brighthiretest"
	"github.com/leverbright/leverbright/daemon"
	"github.com/leverbright/leverbright/demo"
	"github.com/leverbright/leverbright/lever"
	"github.com/leverbright/leverbright/lever/levertest"
)

// faultSchedule keeps reconciliation out of the way but lets the notes pass pick up a
// notes-ready webhook lost to an outage.
var faultSchedule = demo.Schedule{Reconcile: "@every 1h", FullResync: "0 3 * * 0", Notes: "@every 2s"}

// faultClient posts hostile requests; it never follows redirects and never waits long.
var faultClient = &http.Client{Timeout: 10 * time.Second}

// faultPost sends body to the daemon's Lever webhook path and returns status and answer text.
func faultPost(t *testing.T, env *demo.Env, body []byte) (int, string) {
	t.Helper()
	return faultDo(t, http.MethodPost, env.WebhookURL+"/webhooks/lever", "application/json", body)
}

func faultDo(t *testing.T, method, url, contentType string, body []byte) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, bytes.NewReader(body))
	if err != nil {
		t.Fatalf("build request: %v", err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := faultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	return resp.StatusCode, strings.TrimSpace(string(out))
}

// faultSigned builds a delivery signed with the token the fake Lever uses for event, with
// triggeredAt at and any data; the signature covers only token and triggeredAt.
func faultSigned(env *demo.Env, event string, at time.Time, data any) []byte {
	ms := at.UnixMilli()
	token := fmt.Sprintf("fault-%d", time.Now().UnixNano())
	body, _ := json.Marshal(map[string]any{
		"triggeredAt": ms, "event": event, "token": token,
		"signature": lever.Sign(env.Lever.SigningToken(event), token, ms),
		"data":      data,
	})
	return body
}

// faultTamper replaces fields of a delivery's data, keeping its signature.
func faultTamper(t *testing.T, body []byte, data map[string]string) []byte {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(body, &m); err != nil {
		t.Fatalf("decode delivery: %v", err)
	}
	d, _ := m["data"].(map[string]any)
	for k, v := range data {
		d[k] = v
	}
	out, err := json.Marshal(m)
	if err != nil {
		t.Fatalf("encode delivery: %v", err)
	}
	return out
}

// faultDeliver sends d and requires the answer want ("stored" or "duplicate").
func faultDeliver(t *testing.T, env *demo.Env, d levertest.Delivery, want string) {
	t.Helper()
	if len(d.Body) == 0 {
		t.Fatalf("empty %s delivery: the fake had no such object", d.Event)
	}
	status, text := faultPost(t, env, d.Body)
	if status != http.StatusOK || text != want {
		t.Fatalf("deliver %s: got %d %q, want 200 %q", d.Event, status, text, want)
	}
}

// faultLiveInterviews returns live, not canceled interviews with their opportunity, at most
// one per opportunity, so no two share an ordering key.
func faultLiveInterviews(env *demo.Env, n int) [][2]string {
	var out [][2]string
	for _, o := range env.Lever.Opportunities() {
		for _, iv := range env.Lever.Interviews(o.ID) {
			if iv.CanceledAt == nil {
				out = append(out, [2]string{o.ID, iv.ID})
				break
			}
		}
		if len(out) == n {
			break
		}
	}
	return out
}

// TestDaemon_Run_OutagesDrain takes BrightHire away (connections refused, then 503s) and
// makes Lever answer 429 for a while; the queue drains to the right end state with nothing
// dead-lettered, and the daemon never asks Lever faster than its limit.
func TestDaemon_Run_OutagesDrain(t *testing.T) {
	env := newTestEnv(t, demo.EnvOptions{Schedule: faultSchedule, NotesDelay: 300 * time.Millisecond})
	r := startDaemon(t, env, false)
	r.waitBackfill()
	lv, bh := env.Lever, env.BrightHire
	ivs := faultLiveInterviews(env, 16)
	if len(ivs) < 16 {
		t.Fatalf("fake lever has %d opportunities with a live interview, want 16", len(ivs))
	}

	bh.SetDown(true)
	for i, p := range ivs[:8] {
		at := time.Now().Add(time.Duration(i+1) * time.Hour).Truncate(time.Minute)
		if i%2 == 0 {
			at = time.Now().Truncate(time.Second) // held now: notes come back during the outage
		}
		faultDeliver(t, env, lv.RescheduleInterview(p[0], p[1], at), "stored")
	}
	waitFor(t, 10*time.Second, "queue paused for the outage", func() (bool, string) {
		st := r.d.Status()
		return strings.HasPrefix(st.Paused, "brighthire unreachable"), st.Paused
	})

	bh.FailNext(12, http.StatusServiceUnavailable)
	bh.SetDown(false)
	before429 := lv.Stats().TooMany
	lv.Force429(1500 * time.Millisecond)
	forcedEnd := time.Now().Add(1500 * time.Millisecond)
	for _, p := range ivs[8:] {
		faultDeliver(t, env, lv.CancelInterview(p[0], p[1]), "stored")
	}
	time.Sleep(time.Until(forcedEnd) + 300*time.Millisecond)
	after429 := lv.Stats().TooMany

	waitVerified(t, env, 30*time.Second)
	r.waitIdle()
	check := waitVerified(t, env, 10*time.Second)
	if check.NotesDuplicated != 0 {
		t.Fatalf("notes written twice: got %d, want 0", check.NotesDuplicated)
	}
	if n, err := r.d.Store().DeadLetterCount(); err != nil || n != 0 {
		t.Fatalf("dead letters: got %d (err %v), want 0", n, err)
	}
	if got := bhStatusCount(bh.Stats().ByRoute, http.StatusServiceUnavailable); got != 12 {
		t.Fatalf("brighthire 503s served: got %d, want 12", got)
	}
	st := lv.Stats()
	if before429 != 0 {
		t.Fatalf("lever 429s before the forced window: got %d, want 0", before429)
	}
	if after429 == 0 {
		t.Fatalf("lever 429s in the forced window: got 0, want some (the daemon asked nothing)")
	}
	if st.TooMany != after429 {
		t.Fatalf("lever 429s outside the forced window: got %d, want 0", st.TooMany-after429)
	}
	// The daemon's limiter (10/s, burst 10 in the env config) lets at most its burst plus one
	// second of refill into any one-second window: 20. Two more cover requests the limiter
	// granted a few milliseconds apart arriving closer together at the server.
	if st.PeakRPS > 22 {
		t.Fatalf("lever peak requests per second: got %d, want <= 22", st.PeakRPS)
	}
	t.Logf("lever: %d requests, peak %d/s, %d forced 429s; notes %d/%d",
		st.Total, st.PeakRPS, st.TooMany, check.NotesInLever, check.NotesReady)
}

// bhStatusCount counts answers with status over every route.
func bhStatusCount(byRoute map[string]map[int]int, status int) int {
	n := 0
	for _, m := range byRoute {
		n += m[status]
	}
	return n
}

// TestDaemon_Webhooks_HostileRequests sends requests the webhook listener must refuse (or,
// for a replay, take once) and checks that none of them stored anything or reached BrightHire.
func TestDaemon_Webhooks_HostileRequests(t *testing.T) {
	env := newTestEnv(t, demo.EnvOptions{})
	r := startDaemon(t, env, true)
	o := firstOpportunity(t, env, 0)
	ivID := env.Lever.Interviews(o.ID)[0].ID
	data := map[string]string{"opportunityId": o.ID, "interviewId": ivID}
	now := time.Now()
	good := faultSigned(env, lever.EventInterviewUpdated, now, data)
	deep := []byte(strings.Repeat("[", 100_000) + strings.Repeat("]", 100_000))
	deepBody := faultSigned(env, lever.EventInterviewUpdated, now, map[string]any{
		"opportunityId": o.ID, "interviewId": ivID, "extra": json.RawMessage(deep)})
	huge := faultSigned(env, lever.EventInterviewUpdated, now, map[string]any{
		"opportunityId": o.ID, "pad": strings.Repeat("a", 1<<20+50_000)})
	url := env.WebhookURL + "/webhooks/lever"
	cases := []struct {
		name        string
		method, url string
		contentType string
		body        []byte
		want        int
	}{
		{"huge body", http.MethodPost, url, "application/json", huge, http.StatusRequestEntityTooLarge},
		{"wrong content type", http.MethodPost, url, "text/plain", good, http.StatusUnsupportedMediaType},
		{"deep json", http.MethodPost, url, "application/json", deepBody, http.StatusBadRequest},
		{"invalid utf-8", http.MethodPost, url, "application/json", bytes.Replace(good, []byte(`"fault-`), []byte("\"\xff\xfe-"), 1), http.StatusBadRequest},
		{"wrong method", http.MethodGet, url, "", nil, http.StatusMethodNotAllowed},
		{"put", http.MethodPut, url, "application/json", good, http.StatusMethodNotAllowed},
		{"unknown path", http.MethodPost, env.WebhookURL + "/webhooks/greenhouse", "application/json", good, http.StatusNotFound},
		{"admin path on the public listener", http.MethodPost, env.WebhookURL + "/admin/sync", "", nil, http.StatusNotFound},
		{"bad signature", http.MethodPost, url, "application/json", faultResign(t, good, strings.Repeat("0", 64)), http.StatusUnauthorized},
		{"stale", http.MethodPost, url, "application/json", faultSigned(env, lever.EventInterviewUpdated, now.Add(-time.Hour), data), http.StatusUnauthorized},
		{"future", http.MethodPost, url, "application/json", faultSigned(env, lever.EventInterviewUpdated, now.Add(time.Hour), data), http.StatusUnauthorized},
		{"no token for event", http.MethodPost, url, "application/json", faultSigned(env, lever.EventCandidateHired, now, data), http.StatusUnauthorized},
		{"float triggeredAt", http.MethodPost, url, "application/json", []byte(`{"event":"interviewUpdated","token":"t","signature":"s","triggeredAt":1.5e12,"data":{}}`), http.StatusBadRequest},
		{"not json", http.MethodPost, url, "application/json", []byte(`{"event":`), http.StatusBadRequest},
	}
	bhBefore := env.BrightHire.Stats().Total
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, text := faultDo(t, c.method, c.url, c.contentType, c.body)
			if got != c.want {
				t.Fatalf("status: got %d (%q), want %d", got, text, c.want)
			}
			faultNothingStored(t, r, c.body)
		})
	}
	if got := env.BrightHire.Stats().Total; got != bhBefore {
		t.Fatalf("brighthire requests after refused deliveries: got %d, want %d", got-bhBefore, 0)
	}

	// A replay is answered 200 so Lever stops retrying, but stored once.
	first, text1 := faultPost(t, env, good)
	depth, _ := r.d.Store().QueueDepth()
	second, text2 := faultPost(t, env, good)
	if first != http.StatusOK || text1 != "stored" || second != http.StatusOK || text2 != "duplicate" {
		t.Fatalf("delivery then replay: got %d %q, %d %q; want 200 stored, 200 duplicate", first, text1, second, text2)
	}
	if after, _ := r.d.Store().QueueDepth(); after > depth {
		t.Fatalf("queue depth after the replay: got %d, want <= %d", after, depth)
	}
}

// faultResign replaces a delivery's signature.
func faultResign(t *testing.T, body []byte, sig string) []byte {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(body, &m); err != nil {
		t.Fatalf("decode delivery: %v", err)
	}
	m["signature"] = sig
	out, _ := json.Marshal(m)
	return out
}

// faultNothingStored checks the inbox is empty and body's dedupe key, if it has one, unseen.
func faultNothingStored(t *testing.T, r *running, body []byte) {
	t.Helper()
	st := r.d.Store()
	if n, err := st.QueueDepth(); err != nil || n != 0 {
		t.Fatalf("queue depth: got %d (err %v), want 0", n, err)
	}
	ev, err := lever.ParseEvent(body)
	if err != nil {
		return
	}
	if seen, err := st.Seen(ev.DedupeKey()); err != nil || seen {
		t.Fatalf("dedupe key stored: got %v (err %v), want false", seen, err)
	}
}

// TestDaemon_Webhooks_SlowHeadersClosed holds a connection open by sending headers a byte at
// a time; the listener closes it once its header timeout has passed.
func TestDaemon_Webhooks_SlowHeadersClosed(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t, demo.EnvOptions{})
	startDaemon(t, env, true)
	conn, err := net.Dial("tcp", strings.TrimPrefix(env.WebhookURL, "http://"))
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	defer conn.Close()
	start := time.Now()
	closed := make(chan []byte, 1)
	go func() {
		b, _ := io.ReadAll(conn)
		closed <- b
	}()
	header := "POST /webhooks/lever HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: " + strings.Repeat("a", 200)
	tick := time.NewTicker(200 * time.Millisecond)
	defer tick.Stop()
	for i := 0; ; i++ {
		select {
		case got := <-closed:
			elapsed := time.Since(start)
			if elapsed < 4*time.Second || elapsed > 9*time.Second {
				t.Fatalf("connection closed after %s, want about the 5s header timeout", elapsed)
			}
			if len(got) > 0 && !bytes.HasPrefix(got, []byte("HTTP/1.1 400")) &&
				!bytes.HasPrefix(got, []byte("HTTP/1.1 408")) {
				t.Fatalf("answer to a slow request: got %q, want none, 400 or 408", got)
			}
			return
		case <-tick.C:
			if i >= len(header) {
				t.Fatalf("headers of %d bytes sent over %s and the connection is still open", i, time.Since(start))
			}
			_, _ = conn.Write([]byte{header[i]})
		}
	}
}

// TestDaemon_Webhooks_TamperedData shows what Lever's signature leaves open: data is not
// signed, so a captured delivery with other ids verifies. Such a delivery can only make the
// daemon read Lever again, and cannot suppress the genuine delivery it was copied from.
func TestDaemon_Webhooks_TamperedData(t *testing.T) {
	env := newTestEnv(t, demo.EnvOptions{Schedule: faultSchedule})
	r := startDaemon(t, env, false)
	r.waitBackfill()
	r.waitIdle()
	lv := env.Lever
	ivs := faultLiveInterviews(env, 4)
	if len(ivs) < 4 {
		t.Fatalf("fake lever has %d opportunities with a live interview, want 4", len(ivs))
	}
	victim, other := ivs[0], ivs[1]

	genuine := lv.DeleteInterview(victim[0], victim[1])
	tampered := levertest.Delivery{Event: genuine.Event, Body: faultTamper(t, genuine.Body,
		map[string]string{"opportunityId": other[0], "interviewId": other[1]})}
	faultReadOnly(t, r, func() { faultDeliver(t, env, tampered, "stored") })
	if iv := env.BrightHire.Interviews()[other[1]]; iv.Deleted || iv.Status != "scheduled" {
		t.Fatalf("live interview after a tampered interviewDeleted: got deleted %v status %q, want live", iv.Deleted, iv.Status)
	}
	faultDeliver(t, env, genuine, "stored")
	bhInterview(t, env, victim[1], func(iv brighthiretest.StoredInterview) bool { return iv.Deleted })

	gone, kept := ivs[2], ivs[3]
	genuineOpp := lv.DeleteOpportunity(gone[0])
	tamperedOpp := levertest.Delivery{Event: genuineOpp.Event, Body: faultTamper(t, genuineOpp.Body,
		map[string]string{"opportunityId": kept[0], "candidateId": kept[0]})}
	faultReadOnly(t, r, func() { faultDeliver(t, env, tamperedOpp, "stored") })
	if iv := env.BrightHire.Interviews()[kept[1]]; iv.Deleted {
		t.Fatalf("interview of a live opportunity deleted after a tampered candidateDeleted")
	}
	faultDeliver(t, env, genuineOpp, "stored")
	bhInterview(t, env, gone[1], func(iv brighthiretest.StoredInterview) bool { return iv.Deleted })
	waitVerified(t, env, 15*time.Second)
}

// faultReadOnly runs send, waits for the queue to drain and checks that what it caused in
// Lever was a handful of reads and nothing else.
func faultReadOnly(t *testing.T, r *running, send func()) {
	t.Helper()
	before := r.env.Lever.Stats()
	send()
	r.waitIdle()
	after := r.env.Lever.Stats()
	reads := 0
	for route, byStatus := range after.ByRoute {
		n := 0
		for _, c := range byStatus {
			n += c
		}
		for _, c := range before.ByRoute[route] {
			n -= c
		}
		if n > 0 && !strings.HasPrefix(route, "GET ") {
			t.Fatalf("tampered delivery caused %d %s in Lever, want reads only", n, route)
		}
		reads += n
	}
	// One opportunity, one interview, the candidate's opportunities and a few interviewers.
	if reads == 0 || reads > 8 {
		t.Fatalf("lever reads caused by a tampered delivery: got %d, want 1 to 8", reads)
	}
}

// TestDaemon_Webhooks_ReplayAcrossRestart sends a delivery, restarts the daemon on the same
// store and sends it again: it is still a duplicate.
func TestDaemon_Webhooks_ReplayAcrossRestart(t *testing.T) {
	env := newTestEnv(t, demo.EnvOptions{})
	r := startDaemon(t, env, true)
	o := firstOpportunity(t, env, 0)
	d := env.Lever.ChangeStage(o.ID)
	faultDeliver(t, env, d, "stored")
	r.stop()
	startDaemon(t, env, true)
	faultDeliver(t, env, d, "duplicate")
}

// TestDaemon_Notes_InterviewDeletedBeforeWriteBack delivers a notes-ready event late, after
// the interview was deleted in Lever and so in BrightHire: there is nothing to write back,
// and the event must not end up a dead letter an operator has to clear.
func TestDaemon_Notes_InterviewDeletedBeforeWriteBack(t *testing.T) {
	env := newTestEnv(t, demo.EnvOptions{NotesDelay: 100 * time.Millisecond})
	env.BrightHire.SetNotesWebhook("")
	r := startDaemon(t, env, true)
	p := faultLiveInterviews(env, 1)[0]
	faultDeliver(t, env, env.Lever.RescheduleInterview(p[0], p[1], time.Now().Truncate(time.Millisecond)), "stored")
	iv := bhInterview(t, env, p[1], func(iv brighthiretest.StoredInterview) bool { return iv.NotesReady })
	faultDeliver(t, env, env.Lever.DeleteInterview(p[0], p[1]), "stored")
	bhInterview(t, env, p[1], func(iv brighthiretest.StoredInterview) bool { return iv.Deleted })

	body, _ := json.Marshal(map[string]any{"type": brighthire.EventNotesReady, "id": "evt_late",
		"data": map[string]any{"interview_id": iv.ID, "notes_version": iv.NotesVersion, "external": iv.External}})
	now := time.Now()
	sig, err := brighthire.SignWebhook(env.BrightHire.WebhookSecret(), "evt_late", now, body)
	if err != nil {
		t.Fatalf("sign: %v", err)
	}
	req, _ := http.NewRequest(http.MethodPost, env.WebhookURL+"/webhooks/brighthire", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(brighthire.HeaderWebhookID, "evt_late")
	req.Header.Set(brighthire.HeaderWebhookTimestamp, strconv.FormatInt(now.Unix(), 10))
	req.Header.Set(brighthire.HeaderWebhookSignature, sig)
	resp, err := faultClient.Do(req)
	if err != nil {
		t.Fatalf("deliver notes-ready: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("notes-ready: got %d, want 200", resp.StatusCode)
	}
	r.waitIdle()
	if n, err := r.d.Store().DeadLetterCount(); err != nil || n != 0 {
		t.Fatalf("dead letters: got %d (err %v), want 0", n, err)
	}
	if n := countMarkers(env, daemon.NoteMarker(iv.ID, iv.NotesVersion)); n != 0 {
		t.Fatalf("notes of a deleted interview in lever: got %d, want 0", n)
	}
}
