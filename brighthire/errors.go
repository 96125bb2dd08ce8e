package brighthire

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"time"
)

// Sentinel errors an *APIError matches with errors.Is, by status code.
var (
	ErrInvalidRequest = errors.New("brighthire: invalid request") // 400, 422
	ErrUnauthorized   = errors.New("brighthire: unauthorized")    // 401, 403
	ErrNotFound       = errors.New("brighthire: not found")       // 404
	ErrConflict       = errors.New("brighthire: conflict")        // 409
	ErrRateLimited    = errors.New("brighthire: rate limited")    // 429
	ErrServer         = errors.New("brighthire: server error")    // 5xx
)

// APIError is a non-2xx answer of the v0 API. Type and Message come from the error body;
// RequestID from the X-Request-Id header (or the body when the header is missing).
type APIError struct {
	StatusCode int
	Method     string
	Path       string // without query
	Type       string
	Message    string
	RequestID  string
	RetryAfter time.Duration // from Retry-After on 429, zero otherwise
}

// Error describes the failure without any credential.
func (e *APIError) Error() string {
	msg := fmt.Sprintf("brighthire: %s %s: status %d", e.Method, e.Path, e.StatusCode)
	if e.Type != "" {
		msg += " " + e.Type
	}
	if e.Message != "" {
		msg += ": " + e.Message
	}
	if e.RequestID != "" {
		msg += " (request " + e.RequestID + ")"
	}
	return msg
}

// Is matches the sentinel of the status class.
func (e *APIError) Is(target error) bool {
	return target != nil && statusSentinel(e.StatusCode) == target
}

func statusSentinel(code int) error {
	switch {
	case code == 400 || code == 422:
		return ErrInvalidRequest
	case code == 401 || code == 403:
		return ErrUnauthorized
	case code == 404:
		return ErrNotFound
	case code == 409:
		return ErrConflict
	case code == 429:
		return ErrRateLimited
	case code >= 500:
		return ErrServer
	}
	return nil
}

// retryableStatus reports whether an answer with this status may succeed when sent again.
func retryableStatus(code int) bool {
	return code == 429 || code == 408 || code >= 500
}

// IsRetryable reports whether err may go away by trying later: 429, 5xx, transport failures
// and a failed forward. A canceled context is neither retryable nor permanent.
func IsRetryable(err error) bool {
	if err == nil || errors.Is(err, context.Canceled) {
		return false
	}
	var apiErr *APIError
	if errors.As(err, &apiErr) {
		return retryableStatus(apiErr.StatusCode)
	}
	var fwdErr *ForwardError
	if errors.As(err, &fwdErr) {
		return true
	}
	return isTransport(err)
}

// IsPermanent reports whether err is a 4xx answer (other than 408/429) that will not change
// by sending the same request again: 400, 401, 403, 404, 409, 422.
func IsPermanent(err error) bool {
	var apiErr *APIError
	if !errors.As(err, &apiErr) {
		return false
	}
	return apiErr.StatusCode >= 400 && apiErr.StatusCode < 500 && !retryableStatus(apiErr.StatusCode)
}

func isTransport(err error) bool {
	var urlErr *url.Error
	var netErr net.Error
	return errors.As(err, &urlErr) || errors.As(err, &netErr)
}
