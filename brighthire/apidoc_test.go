package brighthire_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/leverbright/leverbright/brighthire"
	"github.com/leverbright/leverbright/brighthire/brighthiretest"
)

var exampleRE = regexp.MustCompile("(?s)<!-- example: ([a-z_]+) -->\n```json\n(.*?)\n```")

// docExamples returns the marked JSON examples of API.md by name; every json block is marked.
func docExamples(t *testing.T) map[string][]byte {
	t.Helper()
	doc, err := os.ReadFile("API.md")
	if err != nil {
		t.Fatalf("read API.md: %v", err)
	}
	out := map[string][]byte{}
	for _, m := range exampleRE.FindAllSubmatch(doc, -1) {
		out[string(m[1])] = m[2]
	}
	if blocks := bytes.Count(doc, []byte("```json")); blocks != len(out) {
		t.Fatalf("API.md: %d json blocks, %d marked examples", blocks, len(out))
	}
	return out
}

// strict decodes data into v, failing on any field the Go type does not have.
func strict(t *testing.T, name string, data []byte, v any) {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		t.Fatalf("example %s does not decode into %T: %v", name, v, err)
	}
}

// keyPaths lists every object key path in a JSON document, e.g. "data[].notes.status".
func keyPaths(t *testing.T, data []byte) []string {
	t.Helper()
	var v any
	if err := json.Unmarshal(data, &v); err != nil {
		t.Fatalf("decode %q: %v", data, err)
	}
	var out []string
	var walk func(prefix string, v any)
	walk = func(prefix string, v any) {
		switch x := v.(type) {
		case map[string]any:
			for k, e := range x {
				out = append(out, prefix+k)
				walk(prefix+k+".", e)
			}
		case []any:
			for _, e := range x {
				walk(strings.TrimSuffix(prefix, ".")+"[].", e)
			}
		}
	}
	walk("", v)
	slices.Sort(out)
	return slices.Compact(out)
}

func sameShape(t *testing.T, name string, doc, live []byte) {
	t.Helper()
	if d, l := keyPaths(t, doc), keyPaths(t, live); !slices.Equal(d, l) {
		t.Fatalf("example %s and the fake differ in shape:\ndoc:  %v\nfake: %v", name, d, l)
	}
}

// raw sends one authorized request to the fake and returns the status and body.
func raw(t *testing.T, srv *brighthiretest.Server, method, path string, body []byte,
	hdr ...string) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, srv.URL()+path, bytes.NewReader(body))
	if err != nil {
		t.Fatalf("build request: %v", err)
	}
	req.Header.Set("Authorization", "Bearer "+srv.Token())
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, out
}

// putExample PUTs a record example verbatim and checks the fake stored exactly it.
func putExample[T any](t *testing.T, srv *brighthiretest.Server, ex map[string][]byte,
	name, kind string, ext func(T) string) []byte {
	t.Helper()
	var rec T
	strict(t, name, ex[name], &rec)
	status, body := raw(t, srv, "PUT", "/v0/"+kind+"/by-external/lever/"+ext(rec), ex[name])
	if status != 200 {
		t.Fatalf("PUT example %s: status %d: %s", name, status, body)
	}
	var back T
	if err := json.Unmarshal(body, &back); err != nil || !reflect.DeepEqual(back, rec) {
		t.Fatalf("example %s: stored %+v (err %v), want %+v", name, back, err, rec)
	}
	return body
}

func TestAPIDoc_ExamplesAgreeWithFake(t *testing.T) {
	ex := docExamples(t)
	srv := brighthiretest.NewServer(brighthiretest.Options{NotesDelay: time.Millisecond})
	defer srv.Close()
	events := captureWebhooks(t, srv)

	putExample(t, srv, ex, "position", "positions", func(p brighthire.Position) string { return p.External.ID })
	putExample(t, srv, ex, "candidate", "candidates", func(c brighthire.Candidate) string { return c.External.ID })
	putExample(t, srv, ex, "call_guide", "call-guides", func(g brighthire.CallGuide) string { return g.External.ID })
	reply := putExample(t, srv, ex, "interview", "interviews", func(i brighthire.Interview) string { return i.External.ID })
	sameShape(t, "interview_reply", ex["interview_reply"], reply)
	if !bytes.Contains(ex["interview_reply"], []byte(srv.Interviews()["iv-0b77"].ID)) {
		t.Fatalf("interview_reply shows another id than the fake gives iv-0b77")
	}

	if v := srv.RegenerateNotes("iv-0b77"); v != 2 {
		t.Fatalf("regenerate: got version %d, want 2", v)
	}
	checkList(t, srv, ex)
	checkNotes(t, srv, ex)
	checkAck(t, srv, ex)
	checkError(t, srv, ex)
	checkEvent(t, srv, ex, events)
}

func checkList(t *testing.T, srv *brighthiretest.Server, ex map[string][]byte) {
	var page struct {
		Data       []brighthire.InterviewSummary `json:"data"`
		NextCursor string                        `json:"next_cursor"`
		HasMore    bool                          `json:"has_more"`
	}
	strict(t, "interview_list", ex["interview_list"], &page)
	status, live := raw(t, srv, "GET", "/v0/interviews?notes_status=ready&limit=100", nil)
	if status != 200 {
		t.Fatalf("list: status %d", status)
	}
	sameShape(t, "interview_list", ex["interview_list"], live)
}

func checkNotes(t *testing.T, srv *brighthiretest.Server, ex map[string][]byte) {
	var doc, got brighthire.Notes
	strict(t, "notes", ex["notes"], &doc)
	status, live := raw(t, srv, "GET", "/v0/interviews/"+doc.InterviewID+"/notes", nil)
	if status != 200 {
		t.Fatalf("notes: status %d: %s", status, live)
	}
	sameShape(t, "notes", ex["notes"], live)
	strict(t, "live notes", live, &got)
	doc.GeneratedAt, doc.InterviewURL = got.GeneratedAt, got.InterviewURL // clock and host differ
	if !reflect.DeepEqual(doc, got) {
		t.Fatalf("notes example: got from the fake %+v, doc says %+v", got, doc)
	}
}

func checkAck(t *testing.T, srv *brighthiretest.Server, ex map[string][]byte) {
	var a brighthire.Ack
	strict(t, "ack", ex["ack"], &a)
	id := srv.Interviews()["iv-0b77"].ID
	status, live := raw(t, srv, "POST", "/v0/interviews/"+id+"/notes/acks", ex["ack"],
		"Idempotency-Key", brighthire.IdempotencyKey(id, a.Version))
	if status != 201 {
		t.Fatalf("ack: status %d: %s", status, live)
	}
	sameShape(t, "ack_reply", ex["ack_reply"], live)
	if got := srv.AckCount(id, 2); got != 1 {
		t.Fatalf("acks of version 2: got %d, want 1", got)
	}
}

func checkError(t *testing.T, srv *brighthiretest.Server, ex map[string][]byte) {
	var e struct {
		Error struct {
			Type      string `json:"type"`
			Message   string `json:"message"`
			RequestID string `json:"request_id"`
		} `json:"error"`
	}
	strict(t, "error", ex["error"], &e)
	status, live := raw(t, srv, "PUT", "/v0/positions/by-external/lever/x", []byte(`{}`))
	if status != 422 {
		t.Fatalf("PUT without external: status %d, want 422", status)
	}
	sameShape(t, "error", ex["error"], live)
}

// captureWebhooks points the fake's notes-ready events at a loopback receiver.
func captureWebhooks(t *testing.T, srv *brighthiretest.Server) chan capturedEvent {
	events := make(chan capturedEvent, 16)
	rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		events <- capturedEvent{header: r.Header.Clone(), body: body}
	}))
	t.Cleanup(rcv.Close)
	srv.SetNotesWebhook(rcv.URL)
	return events
}

type capturedEvent struct {
	header http.Header
	body   []byte
}

func checkEvent(t *testing.T, srv *brighthiretest.Server, ex map[string][]byte, events chan capturedEvent) {
	v := &brighthire.WebhookVerifier{Secrets: []string{srv.WebhookSecret()}}
	for version := 1; version <= 2; version++ {
		var ev capturedEvent
		select {
		case ev = <-events:
		case <-time.After(5 * time.Second):
			t.Fatalf("no notes-ready event for version %d", version)
		}
		got, err := v.Verify(ev.header, ev.body)
		if err != nil || got.NotesVersion != version || got.External.ID != "iv-0b77" {
			t.Fatalf("event %d: got %+v, %v", version, got, err)
		}
		sameShape(t, "notes_event", ex["notes_event"], ev.body)
	}

	// The documented body itself verifies and parses once signed.
	h := signed(t, secretA, "evt_doc", time.Now(), ex["notes_event"])
	got, err := (&brighthire.WebhookVerifier{Secrets: []string{secretA}}).Verify(h, ex["notes_event"])
	if err != nil || got.NotesVersion != 2 || got.External.ApplicationID != "opp-9d10" {
		t.Fatalf("doc event: got %+v, %v", got, err)
	}
}
