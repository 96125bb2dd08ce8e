package lever

import (
	"context"
	"encoding/json"
	"fmt"
	"iter"
	"net/url"
	"strconv"
	"time"
)

// pageLimit is the largest page Lever serves.
const pageLimit = 100

// OpportunityQuery filters ListOpportunities. Zero values mean "unset". The
// updated_at window is inclusive at both ends, so the boundary record comes
// back again on the next poll. Confidential opportunities are always included.
type OpportunityQuery struct {
	UpdatedAtStart time.Time
	UpdatedAtEnd   time.Time
	ContactID      string
	Expand         []string
	Archived       *bool
}

func (q OpportunityQuery) values() url.Values {
	v := url.Values{}
	if !q.UpdatedAtStart.IsZero() {
		v.Set("updated_at_start", strconv.FormatInt(q.UpdatedAtStart.UnixMilli(), 10))
	}
	if !q.UpdatedAtEnd.IsZero() {
		v.Set("updated_at_end", strconv.FormatInt(q.UpdatedAtEnd.UnixMilli(), 10))
	}
	if q.ContactID != "" {
		v.Set("contact_id", q.ContactID)
	}
	if q.Archived != nil {
		v.Set("archived", strconv.FormatBool(*q.Archived))
	}
	for _, e := range q.Expand {
		v.Add("expand", e)
	}
	v.Set("confidentiality", "all")
	return v
}

// page is Lever's list envelope.
type page[T any] struct {
	Data    []T    `json:"data"`
	HasNext bool   `json:"hasNext"`
	Next    string `json:"next"`
}

// one is Lever's single-object envelope.
type one[T any] struct {
	Data T `json:"data"`
}

// list lazily pages through a list endpoint, 100 records per request. A
// rejected offset ends the sequence with an *OffsetError.
func list[T any](ctx context.Context, c *Client, route, path string, q url.Values) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		var zero T
		q = cloneValues(q)
		q.Set("limit", strconv.Itoa(pageLimit))
		for {
			var p page[T]
			k := &call{method: "GET", route: route, path: path, query: q, out: &p}
			if err := c.do(ctx, k); err != nil {
				yield(zero, fmt.Errorf("list %s: %w", route, err))
				return
			}
			for _, v := range p.Data {
				if !yield(v, nil) {
					return
				}
			}
			if !p.HasNext || p.Next == "" {
				return
			}
			q = cloneValues(q)
			q.Set("offset", p.Next)
		}
	}
}

// get fetches one object from path.
func get[T any](ctx context.Context, c *Client, route, path string, q url.Values) (T, error) {
	var o one[T]
	err := c.do(ctx, &call{method: "GET", route: route, path: path, query: q, out: &o})
	return o.Data, err
}

func cloneValues(v url.Values) url.Values {
	out := url.Values{}
	for k, vs := range v {
		out[k] = append([]string(nil), vs...)
	}
	return out
}

func seg(s string) string { return url.PathEscape(s) }

// ListOpportunities lists opportunities matching q, oldest first as Lever
// returns them, including confidential ones.
func (c *Client) ListOpportunities(ctx context.Context, q OpportunityQuery) iter.Seq2[Opportunity, error] {
	return list[Opportunity](ctx, c, "/opportunities", "/opportunities", q.values())
}

// GetOpportunity fetches one opportunity; a deleted one gives ErrNotFound.
func (c *Client) GetOpportunity(ctx context.Context, id string, expand ...string) (Opportunity, error) {
	q := url.Values{}
	for _, e := range expand {
		q.Add("expand", e)
	}
	o, err := get[Opportunity](ctx, c, "/opportunities/:id", "/opportunities/"+seg(id), q)
	if err != nil {
		return o, fmt.Errorf("get opportunity %s: %w", id, err)
	}
	return o, nil
}

// ListInterviews lists an opportunity's interviews, canceled ones included.
func (c *Client) ListInterviews(ctx context.Context, opportunityID string) iter.Seq2[Interview, error] {
	return list[Interview](ctx, c, "/opportunities/:id/interviews",
		"/opportunities/"+seg(opportunityID)+"/interviews", nil)
}

// GetInterview fetches one interview; a deleted one gives ErrNotFound.
func (c *Client) GetInterview(ctx context.Context, opportunityID, interviewID string) (Interview, error) {
	path := "/opportunities/" + seg(opportunityID) + "/interviews/" + seg(interviewID)
	iv, err := get[Interview](ctx, c, "/opportunities/:id/interviews/:id", path, nil)
	if err != nil {
		return iv, fmt.Errorf("get interview %s: %w", interviewID, err)
	}
	return iv, nil
}

// ListPanels lists an opportunity's interview panels.
func (c *Client) ListPanels(ctx context.Context, opportunityID string) iter.Seq2[Panel, error] {
	return list[Panel](ctx, c, "/opportunities/:id/panels",
		"/opportunities/"+seg(opportunityID)+"/panels", nil)
}

// GetPosting fetches one posting.
func (c *Client) GetPosting(ctx context.Context, id string) (Posting, error) {
	p, err := get[Posting](ctx, c, "/postings/:id", "/postings/"+seg(id), nil)
	if err != nil {
		return p, fmt.Errorf("get posting %s: %w", id, err)
	}
	return p, nil
}

// ListPostings lists all postings, confidential ones included.
func (c *Client) ListPostings(ctx context.Context) iter.Seq2[Posting, error] {
	return list[Posting](ctx, c, "/postings", "/postings", url.Values{"confidentiality": {"all"}})
}

// GetUser fetches one user.
func (c *Client) GetUser(ctx context.Context, id string) (User, error) {
	u, err := get[User](ctx, c, "/users/:id", "/users/"+seg(id), nil)
	if err != nil {
		return u, fmt.Errorf("get user %s: %w", id, err)
	}
	return u, nil
}

// ListUsers lists all users, deactivated ones included.
func (c *Client) ListUsers(ctx context.Context) iter.Seq2[User, error] {
	return list[User](ctx, c, "/users", "/users", url.Values{"includeDeactivated": {"true"}})
}

// GetFeedbackTemplate fetches one feedback template with its questions.
func (c *Client) GetFeedbackTemplate(ctx context.Context, id string) (FeedbackTemplate, error) {
	t, err := get[FeedbackTemplate](ctx, c, "/feedback_templates/:id",
		"/feedback_templates/"+seg(id), nil)
	if err != nil {
		return t, fmt.Errorf("get feedback template %s: %w", id, err)
	}
	return t, nil
}

// ListNotes lists an opportunity's notes.
func (c *Client) ListNotes(ctx context.Context, opportunityID string) iter.Seq2[Note, error] {
	return list[Note](ctx, c, "/opportunities/:id/notes",
		"/opportunities/"+seg(opportunityID)+"/notes", nil)
}

// CreateNote writes a note on an opportunity as user in.PerformAs. It is not
// idempotent: a call retried after an ambiguous failure (a dropped connection
// or a 5xx after the write) can create the note twice, so callers put a
// marker in the text and look for it before writing again.
func (c *Client) CreateNote(ctx context.Context, opportunityID string, in NoteInput) (Note, error) {
	body := struct {
		Value           string `json:"value"`
		NotifyFollowers bool   `json:"notifyFollowers"`
		Secret          bool   `json:"secret,omitempty"`
	}{in.Value, in.NotifyFollowers, in.Secret}
	q := url.Values{}
	if in.PerformAs != "" {
		q.Set("perform_as", in.PerformAs)
	}
	var out one[Note]
	err := c.post(ctx, "/opportunities/:id/notes",
		"/opportunities/"+seg(opportunityID)+"/notes", q, body, &out)
	if err != nil {
		return Note{}, fmt.Errorf("create note on %s: %w", opportunityID, err)
	}
	return out.Data, nil
}

func (c *Client) post(ctx context.Context, route, path string, q url.Values, in, out any) error {
	b, err := json.Marshal(in)
	if err != nil {
		return fmt.Errorf("encode body: %w", err)
	}
	return c.do(ctx, &call{method: "POST", route: route, path: path, query: q, body: b, out: out})
}

// ListWebhooks lists the webhook subscriptions of the account.
func (c *Client) ListWebhooks(ctx context.Context) iter.Seq2[Webhook, error] {
	return list[Webhook](ctx, c, "/webhooks", "/webhooks", nil)
}

// CreateWebhook subscribes in.URL to in.Event. The returned
// Configuration.SignatureToken signs that subscription's deliveries.
func (c *Client) CreateWebhook(ctx context.Context, in WebhookInput) (Webhook, error) {
	body := struct {
		Event string `json:"event"`
		URL   string `json:"url"`
	}{in.Event, in.URL}
	var out one[Webhook]
	if err := c.post(ctx, "/webhooks", "/webhooks", nil, body, &out); err != nil {
		return Webhook{}, fmt.Errorf("create webhook for %s: %w", in.Event, err)
	}
	return out.Data, nil
}

// DeleteWebhook removes a subscription; an unknown id gives ErrNotFound.
func (c *Client) DeleteWebhook(ctx context.Context, id string) error {
	k := &call{method: "DELETE", route: "/webhooks/:id", path: "/webhooks/" + seg(id)}
	if err := c.do(ctx, k); err != nil {
		return fmt.Errorf("delete webhook %s: %w", id, err)
	}
	return nil
}
