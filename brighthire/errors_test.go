package brighthire_test

import (
	"context"
	"errors"
	"log/slog"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/leverbright/leverbright/brighthire"
)

func TestClient_Errors_ByStatus(t *testing.T) {
	tests := []struct {
		status    int
		sentinel  error
		typ       string
		permanent bool
		attempts  int
	}{
		{400, brighthire.ErrInvalidRequest, "invalid_request", true, 1},
		{401, brighthire.ErrUnauthorized, "authentication", true, 1},
		{403, brighthire.ErrUnauthorized, "authentication", true, 1},
		{404, brighthire.ErrNotFound, "not_found", true, 1},
		{409, brighthire.ErrConflict, "conflict", true, 1},
		{422, brighthire.ErrInvalidRequest, "invalid_request", true, 1},
		{429, brighthire.ErrRateLimited, "rate_limited", false, 4},
		{500, brighthire.ErrServer, "server", false, 4},
		{503, brighthire.ErrServer, "server", false, 4},
	}
	for _, tt := range tests {
		t.Run(strconv.Itoa(tt.status), func(t *testing.T) {
			srv, c := setup(t)
			srv.FailNext(10, tt.status)
			err := c.UpsertPosition(context.Background(), position("p1", t0, "x"))
			var apiErr *brighthire.APIError
			if !errors.As(err, &apiErr) || !errors.Is(err, tt.sentinel) {
				t.Fatalf("error: got %v, want an APIError matching %v", err, tt.sentinel)
			}
			if apiErr.Type != tt.typ || apiErr.RequestID == "" || apiErr.Method != "PUT" {
				t.Fatalf("error fields: got %+v", apiErr)
			}
			if brighthire.IsPermanent(err) != tt.permanent || brighthire.IsRetryable(err) == tt.permanent {
				t.Fatalf("class: permanent=%v retryable=%v, want permanent=%v",
					brighthire.IsPermanent(err), brighthire.IsRetryable(err), tt.permanent)
			}
			if got := srv.Stats().Total; got != tt.attempts {
				t.Fatalf("attempts: got %d, want %d", got, tt.attempts)
			}
		})
	}
}

func TestClient_Errors_RealUnauthorized(t *testing.T) {
	srv, _ := setup(t)
	c := brighthire.NewClient(srv.URL(), "wrong-token-value")
	err := c.UpsertPosition(context.Background(), position("p1", t0, "x"))
	var apiErr *brighthire.APIError
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 401 || apiErr.Type != "authentication" {
		t.Fatalf("error: got %v, want 401 authentication", err)
	}
	if strings.Contains(err.Error(), "wrong-token-value") {
		t.Fatalf("error leaks the token: %v", err)
	}
}

func TestClient_Errors_RealValidation(t *testing.T) {
	_, c := setup(t)
	iv := interview("iv1", t0)
	iv.Status = "postponed"
	_, err := c.UpsertInterview(context.Background(), iv)
	var apiErr *brighthire.APIError
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 422 || !strings.Contains(apiErr.Message, "status") {
		t.Fatalf("error: got %v, want 422 about status", err)
	}
}

func TestClient_Errors_TransportRetriedThenRetryable(t *testing.T) {
	var logs syncBuffer
	log := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	var transportErrs atomic.Int64
	srv, c := setup(t, brighthire.WithLogger(log),
		brighthire.WithObserver(func(_, _ string, status int, _ time.Duration) {
			if status == 0 {
				transportErrs.Add(1)
			}
		}))
	srv.SetDown(true)
	err := c.UpsertPosition(context.Background(), position("p1", t0, "x"))
	if err == nil || !brighthire.IsRetryable(err) || brighthire.IsPermanent(err) {
		t.Fatalf("error while down: got %v, want retryable", err)
	}
	if got := transportErrs.Load(); got != 4 {
		t.Fatalf("transport attempts: got %d, want 4", got)
	}
	if strings.Contains(err.Error()+logs.String(), srv.Token()) {
		t.Fatalf("token leaked into the error or logs")
	}
	if !strings.Contains(logs.String(), "will retry") {
		t.Fatalf("no retry logged: %q", logs.String())
	}
	srv.SetDown(false)
	if err := c.UpsertPosition(context.Background(), position("p1", t0, "x")); err != nil {
		t.Fatalf("after the server is back: %v", err)
	}
}

func TestClient_Retry_RecoversAndObservesRoute(t *testing.T) {
	var routes []string
	srv, c := setup(t, brighthire.WithObserver(func(m, route string, status int, _ time.Duration) {
		routes = append(routes, m+" "+route+" "+strconv.Itoa(status))
	}))
	srv.FailNext(2, 502)
	if err := c.UpsertPosition(context.Background(), position("a b", t0, "x")); err != nil {
		t.Fatalf("upsert: %v", err)
	}
	want := "PUT /v0/positions/by-external/lever/:id "
	if len(routes) != 3 || routes[0] != want+"502" || routes[2] != want+"200" {
		t.Fatalf("observed: got %q", routes)
	}
}

func TestClient_Retry_HonoursRetryAfter(t *testing.T) {
	srv, c := setup(t, brighthire.WithRetry(3, time.Millisecond, 3*time.Second))
	srv.Fail429(1, time.Second)
	start := time.Now()
	if err := c.UpsertPosition(context.Background(), position("p1", t0, "x")); err != nil {
		t.Fatalf("upsert: %v", err)
	}
	if d := time.Since(start); d < time.Second {
		t.Fatalf("waited %v, want at least the 1s Retry-After", d)
	}
}

func TestClient_Retry_StopsWhenContextEnds(t *testing.T) {
	srv, c := setup(t, brighthire.WithRetry(10, 10*time.Second, 10*time.Second))
	srv.FailNext(100, 503)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	err := c.UpsertPosition(ctx, position("p1", t0, "x"))
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("error: got %v, want context.DeadlineExceeded", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("returned after %v, want soon after the deadline", d)
	}
}
