package brighthire

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/url"
	"time"
)

// defaultForwardClient bounds a forward when Forwarder.HTTP is nil.
var defaultForwardClient = &http.Client{Timeout: 30 * time.Second}

// Forwarder relays verified Lever deliveries verbatim to the BrightHire-issued webhook URL.
// The zero value is usable. It never retries: the daemon's durable queue does.
type Forwarder struct {
	HTTP      *http.Client
	UserAgent string
}

// ForwardError is a forward that did not get a 2xx. StatusCode is 0 for a transport error,
// which is then in Err. Every ForwardError is retryable.
type ForwardError struct {
	StatusCode int
	Err        error
}

// Error describes the failure; the target URL is left out since it may embed a secret.
func (e *ForwardError) Error() string {
	if e.StatusCode == 0 {
		return fmt.Sprintf("brighthire: forward: %v", e.Err)
	}
	return fmt.Sprintf("brighthire: forward: status %d", e.StatusCode)
}

// Unwrap returns the transport error, if any.
func (e *ForwardError) Unwrap() error { return e.Err }

// Forward POSTs body with contentType to url. A 2xx answer returns nil; anything else a
// *ForwardError.
func (f *Forwarder) Forward(ctx context.Context, url, contentType string, body []byte) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("build forward request: %w", err)
	}
	req.Header.Set("Content-Type", contentType)
	if f.UserAgent != "" {
		req.Header.Set("User-Agent", f.UserAgent)
	}
	hc := f.HTTP
	if hc == nil {
		hc = defaultForwardClient
	}
	resp, err := hc.Do(req)
	if err != nil {
		return &ForwardError{Err: redactURL(err)}
	}
	drainClose(resp.Body)
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return &ForwardError{StatusCode: resp.StatusCode}
	}
	return nil
}

// redactURL keeps only the scheme and host of the URL in a transport error: the path of an
// issued webhook URL often carries a secret.
func redactURL(err error) error {
	ue, ok := err.(*url.Error)
	if !ok {
		return err
	}
	short := "forward target"
	if u, perr := url.Parse(ue.URL); perr == nil {
		short = u.Scheme + "://" + u.Host
	}
	return &url.Error{Op: ue.Op, URL: short, Err: ue.Err}
}
