package lever

import (
	"errors"
	"fmt"
	"net/http"
)

// ErrNotFound matches (via errors.Is) every *APIError with status 404, e.g.
// an opportunity or interview that was deleted.
var ErrNotFound = errors.New("lever: not found")

// APIError is a non-2xx answer from Lever. Path never carries the query
// string, and no field ever carries the API key.
type APIError struct {
	StatusCode int
	Method     string
	Path       string
	Code       string
	Message    string
}

// Error describes the failed call without secrets.
func (e *APIError) Error() string {
	msg := fmt.Sprintf("lever: %s %s: status %d", e.Method, e.Path, e.StatusCode)
	if e.Code != "" {
		msg += " " + e.Code
	}
	if e.Message != "" {
		msg += ": " + e.Message
	}
	return msg
}

// Is reports whether target is ErrNotFound and the status is 404.
func (e *APIError) Is(target error) bool {
	return target == ErrNotFound && e.StatusCode == http.StatusNotFound
}

// OffsetError means Lever rejected a pagination offset token (status 400 on
// a page other than the first), usually because it went stale. The caller
// restarts the listing from its own high-water mark.
type OffsetError struct {
	Offset string // shortened token, safe to log
	Err    error
}

// Error describes the rejected offset.
func (e *OffsetError) Error() string {
	return fmt.Sprintf("lever: offset %q rejected: %v", e.Offset, e.Err)
}

// Unwrap returns the underlying *APIError.
func (e *OffsetError) Unwrap() error { return e.Err }

// transportError is a failed round trip (connection refused, reset, timeout)
// stripped of the request URL.
type transportError struct {
	Method, Path string
	Err          error
}

func (e *transportError) Error() string {
	return fmt.Sprintf("lever: %s %s: %v", e.Method, e.Path, e.Err)
}

func (e *transportError) Unwrap() error { return e.Err }

// IsRetryable reports whether err is worth trying again later: a 429, a 5xx
// or a transport failure, after the client's own retries gave up.
func IsRetryable(err error) bool {
	var te *transportError
	if errors.As(err, &te) {
		return true
	}
	var ae *APIError
	if errors.As(err, &ae) {
		return retryableStatus(ae.StatusCode)
	}
	return false
}

// IsPermanent reports whether err is a 4xx other than 429 (404 included):
// trying again will not help.
func IsPermanent(err error) bool {
	var ae *APIError
	if !errors.As(err, &ae) {
		return false
	}
	return ae.StatusCode >= 400 && ae.StatusCode < 500 &&
		ae.StatusCode != http.StatusTooManyRequests
}

func retryableStatus(code int) bool {
	return code == http.StatusTooManyRequests || code >= 500
}

// shorten keeps only the start of an offset token for error messages.
func shorten(s string) string {
	const keep = 12
	if len(s) <= keep {
		return s
	}
	return s[:keep] + "..."
}
