package lever

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Body size caps: a page of 100 expanded opportunities stays far below
// maxBody; error bodies are only read for their code and message.
const (
	maxBody      = 32 << 20
	maxErrorBody = 64 << 10
)

// maxRetryAfter bounds how long a Retry-After header can make a call wait.
const maxRetryAfter = 5 * time.Minute

// call is one logical API call; do may send it several times.
type call struct {
	method string
	route  string // path template for observers, e.g. "/opportunities/:id"
	path   string // escaped path below the base URL, no query
	query  url.Values
	body   []byte // JSON, nil for none
	out    any    // decoded from a 2xx body when non-nil
}

// newRequest builds the HTTP request of one attempt.
func (c *Client) newRequest(ctx context.Context, k *call) (*http.Request, error) {
	u := c.baseURL + k.path
	if len(k.query) > 0 {
		u += "?" + k.query.Encode()
	}
	var body io.Reader
	if k.body != nil {
		body = bytes.NewReader(k.body)
	}
	req, err := http.NewRequestWithContext(ctx, k.method, u, body)
	if err != nil {
		return nil, fmt.Errorf("lever: build %s %s: invalid base URL", k.method, k.path)
	}
	req.SetBasicAuth(c.apiKey, "")
	req.Header.Set("User-Agent", c.userAgent)
	req.Header.Set("Accept", "application/json")
	if k.body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	return req, nil
}

// do sends k, retrying 429s, 5xx and transport errors with backoff, every
// attempt paced by the shared rate limiter.
func (c *Client) do(ctx context.Context, k *call) error {
	for attempt := 1; ; attempt++ {
		if err := c.wait(ctx); err != nil {
			return err
		}
		retryAfter, err := c.attempt(ctx, k)
		if err == nil || !retryable(k.method, err) || ctx.Err() != nil {
			return c.ctxOr(ctx, err)
		}
		if attempt >= c.maxAttempts {
			return err
		}
		d := c.backoff(attempt, retryAfter)
		c.logger.Warn("lever call failed, will retry", "method", k.method,
			"route", k.route, "attempt", attempt, "wait", d, "err", err)
		if err := sleep(ctx, d); err != nil {
			return err
		}
	}
}

// ctxOr prefers the context's error once the context has ended.
func (c *Client) ctxOr(ctx context.Context, err error) error {
	if err != nil && ctx.Err() != nil {
		return fmt.Errorf("lever: %w", ctx.Err())
	}
	return err
}

// wait blocks until the shared limiter admits one request.
func (c *Client) wait(ctx context.Context) error {
	r := c.limiter.Reserve()
	d := r.Delay()
	if d == 0 {
		return nil
	}
	c.limitWaits.Add(1)
	if err := sleep(ctx, d); err != nil {
		r.Cancel()
		return err
	}
	return nil
}

// attempt sends one request and returns its error plus any Retry-After.
func (c *Client) attempt(ctx context.Context, k *call) (time.Duration, error) {
	req, err := c.newRequest(ctx, k)
	if err != nil {
		return 0, err
	}
	start := time.Now()
	resp, err := c.http.Do(req)
	if err != nil {
		c.observe(k, 0, start)
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // drop the URL, which carries the query
		}
		return 0, &transportError{Method: k.method, Path: k.path, Err: err}
	}
	defer closeBody(resp.Body)
	c.observe(k, resp.StatusCode, start)

	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return retryAfter(resp.Header.Get("Retry-After"), time.Now()), c.apiError(k, resp)
	}
	return 0, c.decode(k, resp)
}

func (c *Client) observe(k *call, status int, start time.Time) {
	if c.observer != nil {
		c.observer(k.method, k.route, status, time.Since(start))
	}
}

// decode reads a 2xx body into k.out, capped at maxBody.
func (c *Client) decode(k *call, resp *http.Response) error {
	if k.out == nil || resp.StatusCode == http.StatusNoContent {
		return nil
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxBody+1))
	if err != nil {
		return &transportError{Method: k.method, Path: k.path, Err: err}
	}
	if len(b) > maxBody {
		return fmt.Errorf("lever: %s %s: response larger than %d bytes", k.method, k.path, maxBody)
	}
	if err := json.Unmarshal(b, k.out); err != nil {
		return fmt.Errorf("lever: decode %s %s: %w", k.method, k.path, err)
	}
	return nil
}

// apiError builds the typed error of a non-2xx answer, redacting the key in
// case the server echoed it.
func (c *Client) apiError(k *call, resp *http.Response) error {
	e := &APIError{StatusCode: resp.StatusCode, Method: k.method, Path: k.path}
	b, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	var body struct {
		Code    string `json:"code"`
		Message string `json:"message"`
		Error   string `json:"error"`
	}
	if json.Unmarshal(b, &body) == nil {
		e.Code, e.Message = body.Code, body.Message
		if e.Message == "" {
			e.Message = body.Error
		}
	}
	e.Code, e.Message = c.redact(e.Code), c.redact(e.Message)
	if resp.StatusCode == http.StatusBadRequest && k.query.Get("offset") != "" {
		return &OffsetError{Offset: shorten(k.query.Get("offset")), Err: e}
	}
	return e
}

func (c *Client) redact(s string) string {
	if c.apiKey == "" || len(s) > maxErrorBody {
		return s
	}
	return strings.ReplaceAll(s, c.apiKey, "[redacted]")
}

// backoff is the wait before retry number attempt: Retry-After when the
// server sent one, else full jitter over a capped exponential.
func (c *Client) backoff(attempt int, retryAfter time.Duration) time.Duration {
	if retryAfter > 0 {
		return min(retryAfter, maxRetryAfter)
	}
	ceil := c.backoffBase << min(attempt-1, 30)
	if ceil <= 0 || ceil > c.backoffMax {
		ceil = c.backoffMax
	}
	if ceil <= 0 {
		return 0
	}
	return rand.N(ceil + 1)
}

// retryAfter parses a Retry-After header given in seconds or as an HTTP date.
func retryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if s, err := strconv.Atoi(v); err == nil {
		return time.Duration(max(s, 0)) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(t.Sub(now), 0)
	}
	return 0
}

// sleep waits d or until ctx ends, returning the context's error then.
func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return fmt.Errorf("lever: %w", ctx.Err())
	case <-t.C:
		return nil
	}
}

// closeBody drains a little of the body so the connection can be reused.
func closeBody(b io.ReadCloser) {
	_, _ = io.Copy(io.Discard, io.LimitReader(b, maxErrorBody))
	_ = b.Close()
}

// retryable reports whether a failed call may be sent again. A POST is sent again only after
// a 429, which Lever answers before doing anything: after a 5xx or a lost connection the
// object may have been created, and only the caller can tell (notes carry a marker for that).
func retryable(method string, err error) bool {
	if method != http.MethodPost {
		return IsRetryable(err)
	}
	var ae *APIError
	return errors.As(err, &ae) && ae.StatusCode == http.StatusTooManyRequests
}
