// Package lever is a client for the Lever Data API (/v1) and a verifier for
// Lever webhook deliveries.
package lever

import (
	"crypto/sha256"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"
)

// Base URLs of the Lever Data API.
const (
	ProductionURL = "https://api.lever.co/v1"
	SandboxURL    = "https://api.sandbox.lever.co/v1"
)

// Version is the client version sent in the default User-Agent.
const Version = "0.1.0"

// Rate-limit defaults and bounds. Lever allows 10 requests per second per API
// key; staying a little below leaves room for other tools using the key.
const (
	DefaultRPS   = 8
	DefaultBurst = 10
	MaxRPS       = 10
	MaxBurst     = 20
)

const defaultTimeout = 30 * time.Second

// Client calls the Lever Data API with one API key. It is safe for
// concurrent use; all clients with the same key share one rate limiter.
type Client struct {
	baseURL   string
	apiKey    string
	http      *http.Client
	userAgent string
	logger    *slog.Logger
	observer  func(method, route string, status int, d time.Duration)

	rps        float64
	burst      int
	rateSet    bool
	limiter    *rate.Limiter
	limitWaits atomic.Int64

	maxAttempts int
	backoffBase time.Duration
	backoffMax  time.Duration
}

// Option configures a Client.
type Option func(*Client)

// WithHTTPClient replaces the default http.Client (30 s timeout).
func WithHTTPClient(h *http.Client) Option { return func(c *Client) { c.http = h } }

// WithRateLimit sets the requests per second and burst of the limiter shared
// by every client with the same API key. Values are clamped to (0, 10] rps
// and [1, 20] burst.
func WithRateLimit(rps float64, burst int) Option {
	return func(c *Client) { c.rps, c.burst, c.rateSet = rps, burst, true }
}

// WithUserAgent sets the User-Agent header (default "leverbright/<version>").
func WithUserAgent(ua string) Option { return func(c *Client) { c.userAgent = ua } }

// WithRetry sets how many attempts a call makes (at least 1) and the base and
// cap of its exponential backoff with full jitter. Defaults: 6, 1s, 60s.
func WithRetry(maxAttempts int, base, max time.Duration) Option {
	return func(c *Client) {
		c.maxAttempts, c.backoffBase, c.backoffMax = max1(maxAttempts), base, max
	}
}

// WithObserver registers fn to be called after every HTTP attempt with the
// route template (e.g. "/opportunities/:id/interviews"); status 0 means a
// transport error.
func WithObserver(fn func(method, route string, status int, d time.Duration)) Option {
	return func(c *Client) { c.observer = fn }
}

// WithLogger sets the logger for retries and rate limiting (default: none).
func WithLogger(l *slog.Logger) Option { return func(c *Client) { c.logger = l } }

// NewClient returns a client for baseURL (e.g. ProductionURL) authenticating
// with apiKey. It does no I/O.
func NewClient(baseURL, apiKey string, opts ...Option) *Client {
	c := &Client{
		baseURL:     strings.TrimRight(baseURL, "/"),
		apiKey:      apiKey,
		http:        &http.Client{Timeout: defaultTimeout},
		userAgent:   "leverbright/" + Version,
		logger:      slog.New(slog.DiscardHandler),
		rps:         DefaultRPS,
		burst:       DefaultBurst,
		maxAttempts: 6,
		backoffBase: time.Second,
		backoffMax:  time.Minute,
	}
	for _, o := range opts {
		o(c)
	}
	c.logger = c.logger.With("component", "lever")
	c.limiter = sharedLimiter(apiKey, c.rps, c.burst, c.rateSet)
	return c
}

// SetRateLimit changes the shared limiter of this client's API key at once,
// for every client using the key. Values are clamped as in WithRateLimit.
func (c *Client) SetRateLimit(rps float64, burst int) {
	rps, burst = clampRate(rps, burst)
	c.limiter.SetLimit(rate.Limit(rps))
	c.limiter.SetBurst(burst)
}

// RateLimitWaits reports how many requests of this client had to wait for the
// rate limiter.
func (c *Client) RateLimitWaits() int64 { return c.limitWaits.Load() }

// limiters holds one limiter per API key, keyed by the key's SHA-256 so the
// key itself is not kept as a map key.
var limiters = struct {
	sync.Mutex
	m map[[32]byte]*rate.Limiter
}{m: map[[32]byte]*rate.Limiter{}}

// sharedLimiter returns the limiter of apiKey, creating it with rps/burst.
// An existing limiter is only changed when the caller set the rate explicitly.
func sharedLimiter(apiKey string, rps float64, burst int, explicit bool) *rate.Limiter {
	rps, burst = clampRate(rps, burst)
	k := sha256.Sum256([]byte(apiKey))

	limiters.Lock()
	defer limiters.Unlock()
	l, ok := limiters.m[k]
	if !ok {
		l = rate.NewLimiter(rate.Limit(rps), burst)
		// Start with the bucket spent: a process that was just restarted cannot know what
		// its predecessor sent in the last second, and a full burst on top of that could
		// pass Lever's limit.
		l.AllowN(time.Now(), burst)
		limiters.m[k] = l
	} else if explicit {
		l.SetLimit(rate.Limit(rps))
		l.SetBurst(burst)
	}
	return l
}

func clampRate(rps float64, burst int) (float64, int) {
	if rps <= 0 {
		rps = DefaultRPS
	}
	rps = min(rps, MaxRPS)
	return rps, min(max1(burst), MaxBurst)
}

func max1(n int) int {
	if n < 1 {
		return 1
	}
	return n
}
