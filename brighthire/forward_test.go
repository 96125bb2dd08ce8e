package brighthire_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/leverbright/leverbright/brighthire"
	"github.com/leverbright/leverbright/brighthire/brighthiretest"
)

func TestForwarder_Forward_VerbatimBody(t *testing.T) {
	srv, _ := setup(t)
	body := []byte(`{"triggeredAt":1700000000000, "token":"abc",  "event":"interviewCreated"}`)
	var f brighthire.Forwarder
	if err := f.Forward(context.Background(), srv.ForwardURL(), "application/json; charset=utf-8", body); err != nil {
		t.Fatalf("forward: %v", err)
	}
	got := srv.Forwarded()
	if len(got) != 1 || !bytes.Equal(got[0].Body, body) || got[0].ContentType != "application/json; charset=utf-8" {
		t.Fatalf("forwarded: got %+v", got)
	}
}

func TestForwarder_Forward_Failures(t *testing.T) {
	tests := []struct {
		name   string
		inject func(*brighthiretest.Server)
		status int
	}{
		{"500", func(s *brighthiretest.Server) { s.FailNext(1, 500) }, 500},
		{"400", func(s *brighthiretest.Server) { s.FailNext(1, 400) }, 400},
		{"refused", func(s *brighthiretest.Server) { s.SetDown(true) }, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, _ := setup(t)
			tt.inject(srv)
			f := brighthire.Forwarder{UserAgent: "leverbright-test"}
			err := f.Forward(context.Background(), srv.ForwardURL()+"/s3cr3t", "application/json", []byte("{}"))
			var fe *brighthire.ForwardError
			if !errors.As(err, &fe) || fe.StatusCode != tt.status || !brighthire.IsRetryable(err) {
				t.Fatalf("forward: got %v, want retryable ForwardError status %d", err, tt.status)
			}
			if strings.Contains(err.Error(), "s3cr3t") {
				t.Fatalf("error shows the URL path: %v", err)
			}
			if n := len(srv.Forwarded()); n != 0 {
				t.Fatalf("recorded %d deliveries, want 0", n)
			}
		})
	}
}
