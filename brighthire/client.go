package brighthire

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Body size caps: a success body is at most a page of 100 list items or one notes record.
const (
	maxBodyBytes  = 4 << 20
	maxErrorBytes = 64 << 10
)

// Option configures a Client.
type Option func(*Client)

// Client is the v0 API client. It is safe for concurrent use. Every call is idempotent on the
// wire (PUT by external id, DELETE, GET, POST with an Idempotency-Key), so every call retries
// 429, 5xx and transport failures in one place.
type Client struct {
	baseURL     string
	token       string
	http        *http.Client
	userAgent   string
	maxAttempts int
	baseDelay   time.Duration
	maxDelay    time.Duration
	observe     func(method, route string, status int, d time.Duration)
	log         *slog.Logger
}

// NewClient returns a client for the v0 API under baseURL (without /v0). It does no I/O.
// Defaults: 5 attempts, backoff 500ms doubling up to 30s, a 30s HTTP timeout.
func NewClient(baseURL, token string, opts ...Option) *Client {
	c := &Client{
		baseURL:     strings.TrimRight(baseURL, "/"),
		token:       token,
		http:        &http.Client{Timeout: 30 * time.Second},
		userAgent:   "leverbright",
		maxAttempts: 5,
		baseDelay:   500 * time.Millisecond,
		maxDelay:    30 * time.Second,
		log:         slog.New(slog.DiscardHandler),
	}
	for _, o := range opts {
		o(c)
	}
	c.log = c.log.With("component", "brighthire")
	return c
}

// WithHTTPClient sets the HTTP client (its timeout bounds one attempt).
func WithHTTPClient(h *http.Client) Option { return func(c *Client) { c.http = h } }

// WithRetry sets the attempts per call (at least 1) and the backoff base and cap. A wait is
// drawn uniformly from [0, min(max, base*2^n)); a Retry-After is honoured up to max.
func WithRetry(maxAttempts int, base, max time.Duration) Option {
	return func(c *Client) {
		c.maxAttempts = max1(maxAttempts)
		c.baseDelay, c.maxDelay = base, max
	}
}

// WithObserver sets a hook called after every attempt with the route template
// (e.g. "/v0/interviews/:id/notes") and the status, 0 for a transport error.
func WithObserver(f func(method, route string, status int, d time.Duration)) Option {
	return func(c *Client) { c.observe = f }
}

// WithLogger sets the logger; retries log at Warn with the request id.
func WithLogger(l *slog.Logger) Option { return func(c *Client) { c.log = l } }

// WithUserAgent sets the User-Agent header.
func WithUserAgent(ua string) Option { return func(c *Client) { c.userAgent = ua } }

func max1(n int) int {
	if n < 1 {
		return 1
	}
	return n
}

// call is one logical API call: what to send and where the answer goes.
type call struct {
	method  string
	path    string // escaped path under the base URL, without query
	route   string // path template for observers
	query   string
	body    any
	headers map[string]string
	out     any // decoded from a 2xx body when non-nil
}

// do sends c with retries and returns the final status of a 2xx answer.
func (c *Client) do(ctx context.Context, cl call) (int, error) {
	payload, err := encodeBody(cl.body)
	if err != nil {
		return 0, fmt.Errorf("encode %s body: %w", cl.route, err)
	}
	for attempt := 0; ; attempt++ {
		status, err := c.attempt(ctx, cl, payload)
		if err == nil || attempt+1 >= c.maxAttempts || !IsRetryable(err) || ctx.Err() != nil {
			return status, err
		}
		wait := c.backoff(attempt, err)
		c.log.Warn("brighthire request failed, will retry", "method", cl.method,
			"route", cl.route, "attempt", attempt+1, "wait", wait, "err", err)
		if err := sleep(ctx, wait); err != nil {
			return status, err
		}
	}
}

func encodeBody(body any) ([]byte, error) {
	if body == nil {
		return nil, nil
	}
	return json.Marshal(body)
}

// attempt sends one request and maps the answer.
func (c *Client) attempt(ctx context.Context, cl call, payload []byte) (int, error) {
	req, err := c.newRequest(ctx, cl, payload)
	if err != nil {
		return 0, err
	}
	start := time.Now()
	resp, err := c.http.Do(req)
	if err != nil {
		c.observed(cl, 0, start)
		return 0, fmt.Errorf("brighthire: %s %s: %w", cl.method, cl.path, err)
	}
	defer drainClose(resp.Body)
	c.observed(cl, resp.StatusCode, start)

	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return resp.StatusCode, newAPIError(cl, resp)
	}
	if cl.out == nil || resp.StatusCode == http.StatusNoContent {
		return resp.StatusCode, nil
	}
	dec := json.NewDecoder(io.LimitReader(resp.Body, maxBodyBytes))
	if err := dec.Decode(cl.out); err != nil {
		return resp.StatusCode, fmt.Errorf("decode %s %s: %w", cl.method, cl.path, err)
	}
	return resp.StatusCode, nil
}

// newRequest is the one request builder: auth, content type, user agent, extra headers.
func (c *Client) newRequest(ctx context.Context, cl call, payload []byte) (*http.Request, error) {
	u := c.baseURL + cl.path
	if cl.query != "" {
		u += "?" + cl.query
	}
	var body io.Reader
	if payload != nil {
		body = bytes.NewReader(payload)
	}
	req, err := http.NewRequestWithContext(ctx, cl.method, u, body)
	if err != nil {
		return nil, fmt.Errorf("build %s %s: %w", cl.method, cl.path, err)
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", c.userAgent)
	if payload != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range cl.headers {
		req.Header.Set(k, v)
	}
	return req, nil
}

func (c *Client) observed(cl call, status int, start time.Time) {
	if c.observe != nil {
		c.observe(cl.method, cl.route, status, time.Since(start))
	}
}

// errorBody is the v0 error envelope.
type errorBody struct {
	Error struct {
		Type      string `json:"type"`
		Message   string `json:"message"`
		RequestID string `json:"request_id"`
	} `json:"error"`
}

func newAPIError(cl call, resp *http.Response) *APIError {
	e := &APIError{StatusCode: resp.StatusCode, Method: cl.method, Path: cl.path,
		RequestID: resp.Header.Get("X-Request-Id")}
	var eb errorBody
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBytes))
	if json.Unmarshal(raw, &eb) == nil {
		e.Type, e.Message = eb.Error.Type, eb.Error.Message
		if e.RequestID == "" {
			e.RequestID = eb.Error.RequestID
		}
	}
	if resp.StatusCode == http.StatusTooManyRequests {
		e.RetryAfter = parseRetryAfter(resp.Header.Get("Retry-After"))
	}
	return e
}

// parseRetryAfter reads delta-seconds; the v0 API sends no HTTP dates.
func parseRetryAfter(v string) time.Duration {
	n, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil || n < 0 {
		return 0
	}
	return time.Duration(n) * time.Second
}

// backoff is full jitter over a capped exponential; a Retry-After (capped at maxDelay, so
// one call never parks a worker for minutes) is a floor.
func (c *Client) backoff(attempt int, err error) time.Duration {
	ceil := c.maxDelay
	if attempt < 30 && c.baseDelay<<attempt < ceil && c.baseDelay<<attempt > 0 {
		ceil = c.baseDelay << attempt
	}
	var wait time.Duration
	if ceil > 0 {
		wait = rand.N(ceil)
	}
	var apiErr *APIError
	if errors.As(err, &apiErr) && apiErr.RetryAfter > wait {
		wait = min(apiErr.RetryAfter, c.maxDelay)
	}
	return wait
}

// sleep waits d or until ctx ends.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

func drainClose(body io.ReadCloser) {
	_, _ = io.Copy(io.Discard, io.LimitReader(body, maxErrorBytes))
	_ = body.Close()
}
