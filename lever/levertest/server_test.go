package levertest

import (
	"encoding/json"
	"net/http"
	"regexp"
	"testing"
	"time"

	"github.com/leverbright/leverbright/lever"
)

var uuidRe = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

func TestNewServer_DataSetShape(t *testing.T) {
	now := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	s := NewServer(Options{Seed: 42, Opportunities: 2000, Now: func() time.Time { return now }})
	defer s.Close()
	opps := s.Opportunities()
	if len(opps) != 2000 {
		t.Fatalf("opportunities: got %d, want 2000", len(opps))
	}
	var conf, archived, interviews, canceled, future int
	contacts := map[string]int{}
	for _, o := range opps {
		if !uuidRe.MatchString(o.ID) || o.Name == "" || len(o.Applications) != 1 {
			t.Fatalf("opportunity shape: %+v", o)
		}
		contacts[o.Contact.ID]++
		if o.Confidentiality == "confidential" {
			conf++
		}
		if o.Archived != nil {
			archived++
		}
		for _, iv := range s.Interviews(o.ID) {
			interviews++
			if iv.CanceledAt != nil {
				canceled++
			}
			if iv.Date.Time().After(now) {
				future++
			}
			if iv.Date.Time().Before(now.Add(-31*day)) || iv.Date.Time().After(now.Add(7*day)) {
				t.Fatalf("interview date %v out of range", iv.Date.Time())
			}
		}
	}
	within := func(name string, got, lo, hi int) {
		if got < lo || got > hi {
			t.Fatalf("%s: got %d, want %d..%d", name, got, lo, hi)
		}
	}
	within("confidential", conf, 60, 140)
	within("archived", archived, 150, 400)
	within("interviews", interviews, 4000, 6000)
	within("canceled", canceled, 250, 800)
	within("future", future, 500, 1500)
	within("contacts", len(contacts), 1500, 1900)
	within("postings", len(s.PostingIDs()), 200, 200)
	within("users", len(s.UserIDs()), 20, 20)
	within("templates", len(s.TemplateIDs()), 8, 8)
	for _, c := range contacts {
		within("opportunities per contact", c, 1, 2)
	}
}

func TestNewServer_Seeded(t *testing.T) {
	a := NewServer(Options{Seed: 7, Opportunities: 50})
	defer a.Close()
	b := NewServer(Options{Seed: 7, Opportunities: 50})
	defer b.Close()
	if a.Opportunities()[0].Name != b.Opportunities()[0].Name ||
		a.UserIDs()[3] != b.UserIDs()[3] {
		t.Fatalf("same seed gave different data")
	}
}

func TestNewServer_TenThousandIsFast(t *testing.T) {
	start := time.Now()
	s := NewServer(Options{Seed: 1, Opportunities: 10000})
	defer s.Close()
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("generating 10k opportunities took %v", d)
	}
	start = time.Now()
	for range 20 {
		resp := get(t, s, "/opportunities?limit=100&confidentiality=all&updated_at_start=1", s.APIKey())
		resp.Body.Close()
	}
	if d := time.Since(start); d > time.Second {
		t.Fatalf("20 pages over 10k took %v", d)
	}
}

func get(t *testing.T, s *Server, path, key string) *http.Response {
	t.Helper()
	req, _ := http.NewRequest("GET", s.URL()+path, nil)
	req.SetBasicAuth(key, "")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("get %s: %v", path, err)
	}
	return resp
}

func TestServer_Auth(t *testing.T) {
	s := NewServer(Options{Opportunities: 5})
	defer s.Close()
	for key, want := range map[string]int{s.APIKey(): 200, "wrong": 401, "": 401} {
		resp := get(t, s, "/users", key)
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Fatalf("key %q: got %d, want %d", key, resp.StatusCode, want)
		}
	}
}

func TestServer_RateLimit(t *testing.T) {
	s := NewServer(Options{Opportunities: 5, RPS: 10, Burst: 20})
	defer s.Close()
	s.SetRetryAfter(true)
	codes := map[int]int{}
	retryAfter := ""
	for range 25 {
		resp := get(t, s, "/stages", s.APIKey())
		resp.Body.Close()
		codes[resp.StatusCode]++
		if resp.StatusCode == 429 {
			retryAfter = resp.Header.Get("Retry-After")
		}
	}
	if codes[200] < 20 || codes[200] > 22 || codes[429] < 3 || retryAfter != "1" {
		t.Fatalf("codes %v, Retry-After %q; want ~20 ok, rest 429 with Retry-After 1", codes, retryAfter)
	}
	if st := s.Stats(); st.TooMany != codes[429] || st.Total != 25 || st.PeakRPS != 25 {
		t.Fatalf("stats %+v", st)
	}
}

func TestServer_Offsets(t *testing.T) {
	s := NewServer(Options{Opportunities: 150})
	defer s.Close()
	var p struct {
		Data    []lever.Opportunity
		HasNext bool
		Next    string
	}
	resp := get(t, s, "/opportunities?limit=100&confidentiality=all", s.APIKey())
	_ = json.NewDecoder(resp.Body).Decode(&p)
	resp.Body.Close()
	if !p.HasNext || p.Next == "" || len(p.Data) != 100 {
		t.Fatalf("first page: %d items, hasNext %v", len(p.Data), p.HasNext)
	}
	for path, want := range map[string]int{
		"/opportunities?confidentiality=all&offset=" + p.Next:  200,
		"/opportunities?offset=" + p.Next:                      400, // other query
		"/opportunities?confidentiality=all&offset=x" + p.Next: 400,
		"/opportunities?confidentiality=all&offset=123":        400,
	} {
		resp := get(t, s, path, s.APIKey())
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Fatalf("%s: got %d, want %d", path, resp.StatusCode, want)
		}
	}
}

func TestServer_Mutations(t *testing.T) {
	s := NewServer(Options{Opportunities: 20})
	defer s.Close()
	o := s.Opportunities()[0]
	_, d := s.ScheduleInterview(o.ID)
	e, err := lever.ParseEvent(d.Body)
	if err != nil || e.Name != lever.EventInterviewCreated || e.Data.OpportunityID != o.ID {
		t.Fatalf("delivery: %+v %v", e, err)
	}
	v := &lever.Verifier{Tokens: map[string][]string{e.Name: {s.SigningToken(e.Name)}}}
	if err := v.Verify(e); err != nil {
		t.Fatalf("verify: %v", err)
	}
	after := s.Opportunities()
	last := after[len(after)-1]
	if last.ID != o.ID || last.UpdatedAt <= o.UpdatedAt {
		t.Fatalf("updatedAt not bumped to the end: %s %d", last.ID, last.UpdatedAt)
	}
	if d := s.ChangeStage(o.ID); d.Event != lever.EventCandidateStageChange {
		t.Fatalf("stage change event: %q", d.Event)
	}
	created, d := s.CreateApplication()
	if d.Event != lever.EventApplicationCreated || len(s.Interviews(created.ID)) != 0 {
		t.Fatalf("create application: %q", d.Event)
	}
	s.DeleteOpportunity(created.ID)
	if len(s.Opportunities()) != 20 {
		t.Fatalf("deleted opportunity still listed")
	}
}
