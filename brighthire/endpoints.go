package brighthire

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"iter"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// API is what the daemon depends on; *Client implements it and tests may fake it.
type API interface {
	UpsertPosition(ctx context.Context, p Position) error
	UpsertCandidate(ctx context.Context, c Candidate) error
	UpsertCallGuide(ctx context.Context, g CallGuide) error
	UpsertInterview(ctx context.Context, iv Interview) (id string, err error)
	DeleteInterview(ctx context.Context, leverInterviewID string) error
	ReadyInterviews(ctx context.Context, since time.Time) iter.Seq2[InterviewSummary, error]
	Notes(ctx context.Context, interviewID string) (Notes, error)
	AckNotes(ctx context.Context, interviewID string, a Ack) error
}

var _ API = (*Client)(nil)

// errNoCursor is a page that claims more items but gives no way to reach them.
var errNoCursor = errors.New("list ready interviews: has_more without a new cursor")

// pageSize is the list page size the client asks for (the API maximum).
const pageSize = 100

// UpsertPosition writes p by its Lever posting id. An older SourceUpdatedAt than the stored
// one is ignored by the server, so calling it out of order is safe.
func (c *Client) UpsertPosition(ctx context.Context, p Position) error {
	p.SourceUpdatedAt = p.SourceUpdatedAt.UTC()
	return c.upsert(ctx, "positions", p.External.ID, p, nil)
}

// UpsertCandidate writes c and its applications by its Lever contact id.
func (c *Client) UpsertCandidate(ctx context.Context, cand Candidate) error {
	cand.SourceUpdatedAt = cand.SourceUpdatedAt.UTC()
	return c.upsert(ctx, "candidates", cand.External.ID, cand, nil)
}

// UpsertCallGuide writes g by its Lever feedback template id.
func (c *Client) UpsertCallGuide(ctx context.Context, g CallGuide) error {
	g.SourceUpdatedAt = g.SourceUpdatedAt.UTC()
	return c.upsert(ctx, "call-guides", g.External.ID, g, nil)
}

// UpsertInterview writes iv by its Lever interview id and returns BrightHire's interview id,
// which is stable for a Lever id.
func (c *Client) UpsertInterview(ctx context.Context, iv Interview) (string, error) {
	iv.StartAt = iv.StartAt.UTC()
	iv.SourceUpdatedAt = iv.SourceUpdatedAt.UTC()
	var out struct {
		ID string `json:"id"`
	}
	if err := c.upsert(ctx, "interviews", iv.External.ID, iv, &out); err != nil {
		return "", err
	}
	if out.ID == "" {
		return "", fmt.Errorf("upsert interview %s: answer has no id", iv.External.ID)
	}
	return out.ID, nil
}

func (c *Client) upsert(ctx context.Context, kind, leverID string, body, out any) error {
	if leverID == "" {
		return fmt.Errorf("upsert %s: empty lever id", kind)
	}
	_, err := c.do(ctx, call{
		method: http.MethodPut,
		path:   "/v0/" + kind + "/by-external/lever/" + url.PathEscape(leverID),
		route:  "/v0/" + kind + "/by-external/lever/:id",
		body:   body, out: out,
	})
	if err != nil {
		return fmt.Errorf("upsert %s %s: %w", kind, leverID, err)
	}
	return nil
}

// DeleteInterview tells BrightHire the Lever interview was deleted. An unknown interview
// (404) counts as done.
func (c *Client) DeleteInterview(ctx context.Context, leverInterviewID string) error {
	_, err := c.do(ctx, call{
		method: http.MethodDelete,
		path:   "/v0/interviews/by-external/lever/" + url.PathEscape(leverInterviewID),
		route:  "/v0/interviews/by-external/lever/:id",
	})
	if err != nil && !errors.Is(err, ErrNotFound) {
		return fmt.Errorf("delete interview %s: %w", leverInterviewID, err)
	}
	return nil
}

// interviewPage is one page of the interview list.
type interviewPage struct {
	Data       []InterviewSummary `json:"data"`
	NextCursor string             `json:"next_cursor"`
	HasMore    bool               `json:"has_more"`
}

// ReadyInterviews lists interviews whose notes are ready and changed at or after since,
// oldest change first. Pages are fetched lazily as the loop advances; the first error ends
// the sequence. A zero since lists everything.
func (c *Client) ReadyInterviews(ctx context.Context,
	since time.Time) iter.Seq2[InterviewSummary, error] {
	return func(yield func(InterviewSummary, error) bool) {
		cursor := ""
		for {
			page, err := c.interviewPage(ctx, since, cursor)
			if err != nil {
				yield(InterviewSummary{}, err)
				return
			}
			for _, it := range page.Data {
				if !yield(it, nil) {
					return
				}
			}
			if !page.HasMore {
				return
			}
			if page.NextCursor == "" || page.NextCursor == cursor {
				yield(InterviewSummary{}, errNoCursor)
				return
			}
			cursor = page.NextCursor
		}
	}
}

func (c *Client) interviewPage(ctx context.Context, since time.Time,
	cursor string) (interviewPage, error) {
	q := url.Values{"notes_status": {NotesReady}, "limit": {strconv.Itoa(pageSize)}}
	if !since.IsZero() {
		q.Set("updated_since", since.UTC().Format(time.RFC3339Nano))
	}
	if cursor != "" {
		q.Set("cursor", cursor)
	}
	var page interviewPage
	_, err := c.do(ctx, call{method: http.MethodGet, path: "/v0/interviews",
		route: "/v0/interviews", query: q.Encode(), out: &page})
	if err != nil {
		return page, fmt.Errorf("list ready interviews: %w", err)
	}
	return page, nil
}

// Notes fetches the current notes of a BrightHire interview. Notes that are not ready yet
// answer ErrNotFound.
func (c *Client) Notes(ctx context.Context, interviewID string) (Notes, error) {
	var n Notes
	_, err := c.do(ctx, call{method: http.MethodGet,
		path:  "/v0/interviews/" + url.PathEscape(interviewID) + "/notes",
		route: "/v0/interviews/:id/notes", out: &n})
	if err != nil {
		return Notes{}, fmt.Errorf("fetch notes %s: %w", interviewID, err)
	}
	return n, nil
}

// AckNotes records which Lever note holds a notes version. It sends the Idempotency-Key
// IdempotencyKey(interviewID, a.Version), so retries and repeats never count twice.
func (c *Client) AckNotes(ctx context.Context, interviewID string, a Ack) error {
	_, err := c.do(ctx, call{method: http.MethodPost,
		path:    "/v0/interviews/" + url.PathEscape(interviewID) + "/notes/acks",
		route:   "/v0/interviews/:id/notes/acks",
		headers: map[string]string{"Idempotency-Key": IdempotencyKey(interviewID, a.Version)},
		body:    a})
	if err != nil {
		return fmt.Errorf("ack notes %s v%d: %w", interviewID, a.Version, err)
	}
	return nil
}

// IdempotencyKey is the ack key of one notes version: "ack-" followed by the first 32 hex
// digits of SHA-256(interviewID + "\x00" + decimal(version)).
func IdempotencyKey(interviewID string, version int) string {
	sum := sha256.Sum256([]byte(interviewID + "\x00" + strconv.Itoa(version)))
	return "ack-" + hex.EncodeToString(sum[:])[:32]
}
