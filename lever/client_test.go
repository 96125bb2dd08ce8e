package lever_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/leverbright/leverbright/lever"
	"github.com/leverbright/leverbright/lever/levertest"
)

var keySeq atomic.Int64

// setup starts a fake with its own API key (so limiters are not shared
// between tests) and a client with millisecond backoffs.
func setup(t *testing.T, o levertest.Options, opts ...lever.Option) (*levertest.Server, *lever.Client) {
	t.Helper()
	o.APIKey = fmt.Sprintf("secret-key-%d-%s", keySeq.Add(1), t.Name())
	srv := levertest.NewServer(o)
	t.Cleanup(srv.Close)
	opts = append([]lever.Option{lever.WithRateLimit(10, 20),
		lever.WithRetry(6, time.Millisecond, 20*time.Millisecond)}, opts...)
	return srv, lever.NewClient(srv.URL(), srv.APIKey(), opts...)
}

func collect[T any](t *testing.T, seq func(func(T, error) bool)) ([]T, error) {
	t.Helper()
	var out []T
	for v, err := range seq {
		if err != nil {
			return out, err
		}
		out = append(out, v)
	}
	return out, nil
}

func TestClient_ListOpportunities_Paginates(t *testing.T) {
	srv, c := setup(t, levertest.Options{Seed: 1, Opportunities: 1000})
	got, err := collect(t, c.ListOpportunities(context.Background(), lever.OpportunityQuery{}))
	if err != nil {
		t.Fatalf("list: %v", err)
	}
	want := srv.Opportunities()
	if len(got) != len(want) || len(got) != 1000 {
		t.Fatalf("count: got %d, want %d", len(got), len(want))
	}
	seen := map[string]bool{}
	for i, o := range got {
		if seen[o.ID] {
			t.Fatalf("duplicate %s", o.ID)
		}
		seen[o.ID] = true
		if o.ID != want[i].ID || o.UpdatedAt != want[i].UpdatedAt {
			t.Fatalf("item %d: got %s, want %s", i, o.ID, want[i].ID)
		}
	}
	if n := srv.Stats().ByRoute["GET /opportunities"][200]; n != 10 {
		t.Fatalf("pages: got %d, want 10", n)
	}
}

func TestClient_ListOpportunities_UpdatedWindowInclusive(t *testing.T) {
	srv, c := setup(t, levertest.Options{Seed: 2, Opportunities: 300})
	all := srv.Opportunities()
	lo, hi := all[100].UpdatedAt, all[200].UpdatedAt
	q := lever.OpportunityQuery{UpdatedAtStart: lo.Time(), UpdatedAtEnd: hi.Time()}
	got, err := collect(t, c.ListOpportunities(context.Background(), q))
	if err != nil {
		t.Fatalf("list: %v", err)
	}
	want := 0
	for _, o := range all {
		if o.UpdatedAt >= lo && o.UpdatedAt <= hi {
			want++
		}
	}
	if len(got) != want || got[0].UpdatedAt != lo || got[len(got)-1].UpdatedAt != hi {
		t.Fatalf("window: got %d items, want %d with both ends", len(got), want)
	}
}

func TestClient_ListOpportunities_StaleOffset(t *testing.T) {
	srv, c := setup(t, levertest.Options{Seed: 3, Opportunities: 250})
	n := 0
	var err error
	for _, e := range c.ListOpportunities(context.Background(), lever.OpportunityQuery{}) {
		if e != nil {
			err = e
			break
		}
		if n++; n == 100 {
			srv.InvalidateOffsets()
		}
	}
	var oe *lever.OffsetError
	if !errors.As(err, &oe) || n != 100 {
		t.Fatalf("got err %v after %d items, want *OffsetError after 100", err, n)
	}
	if !lever.IsPermanent(err) || lever.IsRetryable(err) {
		t.Fatalf("offset error classified retryable: %v", err)
	}
}

func TestClient_ListOpportunities_ForgedOffset(t *testing.T) {
	srv, _ := setup(t, levertest.Options{Seed: 4, Opportunities: 10})
	req, _ := http.NewRequest("GET", srv.URL()+"/opportunities?offset=eyJ4IjoxfQ.AAAA", nil)
	req.SetBasicAuth(srv.APIKey(), "")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("get: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != 400 {
		t.Fatalf("status: got %d, want 400", resp.StatusCode)
	}
}

func TestClient_ListOpportunities_Confidential(t *testing.T) {
	srv, c := setup(t, levertest.Options{Seed: 5, Opportunities: 400})
	got, err := collect(t, c.ListOpportunities(context.Background(), lever.OpportunityQuery{}))
	if err != nil {
		t.Fatalf("list: %v", err)
	}
	conf := 0
	for _, o := range got {
		if o.Confidentiality == "confidential" {
			conf++
		}
	}
	if conf == 0 || len(got) != len(srv.Opportunities()) {
		t.Fatalf("confidential: got %d of %d, want some of all", conf, len(got))
	}
	// Without confidentiality=all the fake hides them, as Lever does.
	req, _ := http.NewRequest("GET", srv.URL()+"/opportunities?limit=100", nil)
	req.SetBasicAuth(srv.APIKey(), "")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("get: %v", err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("read: %d %v", resp.StatusCode, err)
	}
	if strings.Contains(string(raw), `"confidential"`) {
		t.Fatalf("confidential opportunity listed without confidentiality=all")
	}
}

func TestClient_GetOpportunity_Expand(t *testing.T) {
	srv, c := setup(t, levertest.Options{Seed: 6, Opportunities: 20})
	id := srv.Opportunities()[0].ID
	o, err := c.GetOpportunity(context.Background(), id, "contact", "stage", "applications")
	if err != nil {
		t.Fatalf("get: %v", err)
	}
	if o.Contact.Contact == nil || o.Contact.Contact.ID != o.Contact.ID || o.Contact.Contact.Name == "" {
		t.Fatalf("contact not expanded: %+v", o.Contact)
	}
	if o.Stage.Stage == nil || o.Stage.Stage.Text == "" {
		t.Fatalf("stage not expanded: %+v", o.Stage)
	}
	if len(o.Applications) == 0 || o.Applications[0].Application == nil ||
		o.Applications[0].Application.Posting == "" {
		t.Fatalf("applications not expanded: %+v", o.Applications)
	}
	plain, err := c.GetOpportunity(context.Background(), id)
	if err != nil || plain.Contact.Contact != nil || plain.Contact.ID != o.Contact.ID {
		t.Fatalf("plain get: %+v, %v", plain.Contact, err)
	}
}

func TestClient_GetInterview_DeletedIsNotFound(t *testing.T) {
	srv, c := setup(t, levertest.Options{Seed: 7, Opportunities: 20})
	opp := srv.Opportunities()[3].ID
	iv := srv.Interviews(opp)[0]
	ctx := context.Background()
	if _, err := c.GetInterview(ctx, opp, iv.ID); err != nil {
		t.Fatalf("get live: %v", err)
	}
	srv.DeleteInterview(opp, iv.ID)
	_, err := c.GetInterview(ctx, opp, iv.ID)
	if !errors.Is(err, lever.ErrNotFound) || !lever.IsPermanent(err) {
		t.Fatalf("get deleted: got %v, want ErrNotFound", err)
	}
	var ae *lever.APIError
	if !errors.As(err, &ae) || ae.Path != "/opportunities/"+opp+"/interviews/"+iv.ID {
		t.Fatalf("api error path: %+v", ae)
	}
	srv.DeleteOpportunity(opp)
	if _, err := c.GetOpportunity(ctx, opp); !errors.Is(err, lever.ErrNotFound) {
		t.Fatalf("get deleted opportunity: got %v, want ErrNotFound", err)
	}
}

func TestClient_ListInterviewsAndPanels(t *testing.T) {
	srv, c := setup(t, levertest.Options{Seed: 8, Opportunities: 30})
	ctx := context.Background()
	for _, o := range srv.Opportunities()[:5] {
		ivs, err := collect(t, c.ListInterviews(ctx, o.ID))
		if err != nil || len(ivs) != len(srv.Interviews(o.ID)) || len(ivs) == 0 {
			t.Fatalf("interviews of %s: got %d (%v), want %d", o.ID, len(ivs), err,
				len(srv.Interviews(o.ID)))
		}
		panels, err := collect(t, c.ListPanels(ctx, o.ID))
		if err != nil || len(panels) == 0 || len(panels[0].Interviews) == 0 {
			t.Fatalf("panels of %s: %v %v", o.ID, panels, err)
		}
	}
}

func TestClient_Notes_RoundTrip(t *testing.T) {
	srv, c := setup(t, levertest.Options{Seed: 9, Opportunities: 10})
	ctx := context.Background()
	opp, author := srv.Opportunities()[0].ID, srv.UserIDs()[0]
	in := lever.NoteInput{Value: "Interview summary\n[ref:abc]", PerformAs: author, Secret: true}
	n, err := c.CreateNote(ctx, opp, in)
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	if n.Body() != in.Value || n.User != author || !n.Secret || n.ID == "" {
		t.Fatalf("created note: %+v", n)
	}
	notes, err := collect(t, c.ListNotes(ctx, opp))
	if err != nil {
		t.Fatalf("list: %v", err)
	}
	found := false
	for _, x := range notes {
		found = found || (x.ID == n.ID && x.Body() == in.Value)
	}
	if !found {
		t.Fatalf("note %s not listed in %d notes", n.ID, len(notes))
	}
	_, err = c.CreateNote(ctx, opp, lever.NoteInput{Value: "x", PerformAs: "no-such-user"})
	if !lever.IsPermanent(err) {
		t.Fatalf("unknown author: got %v, want a permanent error", err)
	}
}

func TestClient_Webhooks_RoundTrip(t *testing.T) {
	srv, c := setup(t, levertest.Options{Seed: 10, Opportunities: 10})
	ctx := context.Background()
	wh, err := c.CreateWebhook(ctx, lever.WebhookInput{Event: lever.EventInterviewCreated,
		URL: "http://127.0.0.1:1/hook"})
	if err != nil || wh.Configuration.SignatureToken == "" || wh.ID == "" {
		t.Fatalf("create: %+v %v", wh, err)
	}
	list, err := collect(t, c.ListWebhooks(ctx))
	if err != nil || len(list) != 1 || list[0].ID != wh.ID {
		t.Fatalf("list: %+v %v", list, err)
	}

	// The new token signs that event's deliveries.
	_, d := srv.ScheduleInterview(srv.Opportunities()[0].ID)
	e, err := lever.ParseEvent(d.Body)
	if err != nil {
		t.Fatalf("parse delivery: %v", err)
	}
	v := &lever.Verifier{Tokens: map[string][]string{e.Name: {wh.Configuration.SignatureToken}}}
	if err := v.Verify(e); err != nil {
		t.Fatalf("verify delivery: %v", err)
	}

	if err := c.DeleteWebhook(ctx, wh.ID); err != nil {
		t.Fatalf("delete: %v", err)
	}
	if err := c.DeleteWebhook(ctx, wh.ID); !errors.Is(err, lever.ErrNotFound) {
		t.Fatalf("delete again: got %v, want ErrNotFound", err)
	}
}

func TestClient_GetRecords(t *testing.T) {
	srv, c := setup(t, levertest.Options{Seed: 11, Opportunities: 10})
	ctx := context.Background()
	tmpl, err := c.GetFeedbackTemplate(ctx, srv.TemplateIDs()[0])
	if err != nil || len(tmpl.Fields) < 4 || len(tmpl.Fields) > 6 {
		t.Fatalf("template: %d fields, %v", len(tmpl.Fields), err)
	}
	p, err := c.GetPosting(ctx, srv.PostingIDs()[0])
	if err != nil || p.Categories.Team == "" || p.Text == "" {
		t.Fatalf("posting: %+v %v", p, err)
	}
	u, err := c.GetUser(ctx, srv.UserIDs()[0])
	if err != nil || u.Email == "" {
		t.Fatalf("user: %+v %v", u, err)
	}
	users, err := collect(t, c.ListUsers(ctx))
	if err != nil || len(users) != len(srv.UserIDs()) {
		t.Fatalf("users: got %d, want %d (%v)", len(users), len(srv.UserIDs()), err)
	}
	postings, err := collect(t, c.ListPostings(ctx))
	if err != nil || len(postings) != len(srv.PostingIDs()) {
		t.Fatalf("postings: got %d, want %d (%v)", len(postings), len(srv.PostingIDs()), err)
	}
}

func TestClient_Retry_ServerErrorBurst(t *testing.T) {
	srv, c := setup(t, levertest.Options{Seed: 12, Opportunities: 10})
	srv.FailNext(3, http.StatusServiceUnavailable)
	if _, err := c.GetUser(context.Background(), srv.UserIDs()[0]); err != nil {
		t.Fatalf("get after 3 failures: %v", err)
	}
	srv.FailNext(10, http.StatusBadGateway)
	_, err := c.GetUser(context.Background(), srv.UserIDs()[0])
	var ae *lever.APIError
	if !errors.As(err, &ae) || ae.StatusCode != 502 || !lever.IsRetryable(err) {
		t.Fatalf("get after 10 failures: got %v, want retryable 502", err)
	}
	if n := srv.Stats().ByRoute["GET /users/:id"][502]; n != 6 {
		t.Fatalf("attempts: got %d 502s, want 6", n)
	}
}

func TestClient_CreateNote_NotResentAfterAmbiguousFailure(t *testing.T) {
	srv, c := setup(t, levertest.Options{Seed: 12, Opportunities: 10})
	opp := srv.Opportunities()[0].ID
	ctx := context.Background()
	before := len(srv.Notes(opp))
	srv.FailNext(1, http.StatusBadGateway)
	if _, err := c.CreateNote(ctx, opp, lever.NoteInput{Value: "x"}); !lever.IsRetryable(err) {
		t.Fatalf("create after 502: got %v, want a retryable error returned to the caller", err)
	}
	if n := srv.Stats().ByRoute["POST /opportunities/:id/notes"][502]; n != 1 {
		t.Fatalf("attempts after 502: got %d, want 1 (a POST is not sent twice)", n)
	}
	srv.FailNext(2, http.StatusTooManyRequests)
	if _, err := c.CreateNote(ctx, opp, lever.NoteInput{Value: "y"}); err != nil {
		t.Fatalf("create during 429s: got %v, want success after retries", err)
	}
	if n := len(srv.Notes(opp)) - before; n != 1 {
		t.Fatalf("notes created: got %d, want 1", n)
	}
}

func TestClient_Retry_DroppedConnection(t *testing.T) {
	srv, c := setup(t, levertest.Options{Seed: 13, Opportunities: 10})
	srv.DropNext(2)
	if _, err := c.GetUser(context.Background(), srv.UserIDs()[0]); err != nil {
		t.Fatalf("get after dropped connections: %v", err)
	}
}

func TestClient_NoRetry_ClientError(t *testing.T) {
	srv, c := setup(t, levertest.Options{Seed: 14, Opportunities: 10})
	_, err := c.GetUser(context.Background(), "nope")
	if !errors.Is(err, lever.ErrNotFound) {
		t.Fatalf("got %v, want ErrNotFound", err)
	}
	if n := srv.Stats().ByRoute["GET /users/:id"][404]; n != 1 {
		t.Fatalf("attempts: got %d, want 1", n)
	}
}

func TestClient_TooManyRequests(t *testing.T) {
	for _, retryAfter := range []bool{true, false} {
		t.Run(fmt.Sprintf("retry-after=%v", retryAfter), func(t *testing.T) {
			srv, c := setup(t, levertest.Options{Seed: 15, Opportunities: 10,
				RetryAfter: retryAfter}, lever.WithRateLimit(lever.DefaultRPS, lever.DefaultBurst),
				lever.WithRetry(8, 50*time.Millisecond, 400*time.Millisecond))
			srv.Force429(300 * time.Millisecond)
			ctx := context.Background()
			var wg sync.WaitGroup
			errs := make(chan error, 15)
			for i := range 15 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					_, err := c.GetUser(ctx, srv.UserIDs()[i%10])
					errs <- err
				}()
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				if err != nil {
					t.Fatalf("call failed: %v", err)
				}
			}
			st := srv.Stats()
			if st.TooMany == 0 || st.PeakRPS > 20 {
				t.Fatalf("stats: %d 429s, peak %d rps; want some 429s and peak <= 20", st.TooMany, st.PeakRPS)
			}
		})
	}
}

func TestClient_TooManyRequests_FakeLimiter(t *testing.T) {
	srv, c := setup(t, levertest.Options{Seed: 16, Opportunities: 10, RetryAfter: true})
	srv.SetLimit(2, 2)
	ctx := context.Background()
	for i := range 6 {
		if _, err := c.GetUser(ctx, srv.UserIDs()[i]); err != nil {
			t.Fatalf("get %d: %v", i, err)
		}
	}
	if st := srv.Stats(); st.TooMany == 0 {
		t.Fatalf("want the fake limiter to answer 429 at 2 rps, got none")
	}
}

func TestClient_CancelDuringBackoff(t *testing.T) {
	srv, c := setup(t, levertest.Options{Seed: 17, Opportunities: 10},
		lever.WithRetry(6, 10*time.Second, time.Minute))
	srv.FailNext(100, http.StatusServiceUnavailable)
	ctx, cancel := context.WithTimeout(context.Background(), 150*time.Millisecond)
	defer cancel()
	start := time.Now()
	for {
		_, err := c.GetUser(ctx, srv.UserIDs()[0])
		if time.Since(start) > 2*time.Second {
			t.Fatalf("call took %v after cancel", time.Since(start))
		}
		if err == nil {
			t.Fatalf("want an error")
		}
		if errors.Is(err, context.DeadlineExceeded) {
			return
		}
		// The jittered first wait can be shorter than the deadline; try again.
	}
}

func TestClient_ErrorsNeverContainKey(t *testing.T) {
	srv, _ := setup(t, levertest.Options{Seed: 18, Opportunities: 10})
	ctx := context.Background()
	wrong := lever.NewClient(srv.URL(), "wrong-"+srv.APIKey(), lever.WithRetry(1, 0, 0))
	_, err1 := wrong.GetUser(ctx, "x")
	good := lever.NewClient(srv.URL(), srv.APIKey(), lever.WithRetry(2, time.Millisecond, time.Millisecond))
	srv.FailNext(5, 500)
	_, err2 := good.GetOpportunity(ctx, "x", "contact")
	dead := lever.NewClient("http://127.0.0.1:1/v1", srv.APIKey(), lever.WithRetry(1, 0, 0))
	_, err3 := dead.GetUser(ctx, "x")
	for i, err := range []error{err1, err2, err3} {
		if err == nil {
			t.Fatalf("error %d: got nil", i)
		}
		if strings.Contains(err.Error(), srv.APIKey()) || strings.Contains(err.Error(), "?") {
			t.Fatalf("error %d leaks the key or a query: %v", i, err)
		}
	}
	var ae *lever.APIError
	if !errors.As(err1, &ae) || ae.StatusCode != 401 {
		t.Fatalf("wrong key: got %v, want 401", err1)
	}
	if !lever.IsRetryable(err3) {
		t.Fatalf("transport error not retryable: %v", err3)
	}
}

func TestClient_Observer_RoutesAndUserAgent(t *testing.T) {
	var mu sync.Mutex
	seen := map[string]int{}
	srv, c := setup(t, levertest.Options{Seed: 19, Opportunities: 10},
		lever.WithObserver(func(method, route string, status int, _ time.Duration) {
			mu.Lock()
			defer mu.Unlock()
			seen[fmt.Sprintf("%s %s %d", method, route, status)]++
		}))
	opp := srv.Opportunities()[0].ID
	if _, err := collect(t, c.ListInterviews(context.Background(), opp)); err != nil {
		t.Fatalf("list: %v", err)
	}
	mu.Lock()
	defer mu.Unlock()
	if seen["GET /opportunities/:id/interviews 200"] != 1 {
		t.Fatalf("observer saw %v", seen)
	}
}

func TestClient_SetRateLimit_Shared(t *testing.T) {
	srv, c := setup(t, levertest.Options{Seed: 20, Opportunities: 10})
	other := lever.NewClient(srv.URL(), srv.APIKey())
	c.SetRateLimit(5, 1)
	ctx := context.Background()
	start := time.Now()
	for i := range 3 {
		if _, err := other.GetUser(ctx, srv.UserIDs()[i]); err != nil {
			t.Fatalf("get: %v", err)
		}
	}
	if d := time.Since(start); d < 350*time.Millisecond {
		t.Fatalf("3 calls at 5 rps burst 1 took %v, want >= 400ms", d)
	}
	if other.RateLimitWaits() < 2 {
		t.Fatalf("rate limit waits: got %d, want >= 2", other.RateLimitWaits())
	}
}

func TestClient_NewKey_StartsWithoutBurst(t *testing.T) {
	srv, c := setup(t, levertest.Options{Seed: 21, Opportunities: 10}, lever.WithRateLimit(10, 10))
	ctx := context.Background()
	var wg sync.WaitGroup
	for range 25 {
		wg.Go(func() {
			if _, err := c.GetUser(ctx, srv.UserIDs()[0]); err != nil {
				t.Errorf("get: %v", err)
			}
		})
	}
	wg.Wait()
	// A full bucket at start would let 10 through at once plus 10 refilled in the same
	// second: a restarted daemon could pass Lever's limit that way.
	if peak := srv.Stats().PeakRPS; peak > 11 {
		t.Fatalf("peak requests in one second from a new client: got %d, want <= 11", peak)
	}
}
