package daemon_test

import (
	"context"
	"errors"
	"path/filepath"
	"testing"

	"github.com/leverbright/leverbright/daemon"
	"github.com/leverbright/leverbright/lever"
	"github.com/leverbright/leverbright/lever/levertest"
	"github.com/leverbright/leverbright/store"
)

func TestRegisterWebhooks_IdempotentAndMoves(t *testing.T) {
	srv := levertest.NewServer(levertest.Options{Seed: 9, Opportunities: 2, APIKey: "register-test-key"})
	defer srv.Close()
	lc := lever.NewClient(srv.URL(), srv.APIKey())
	st, err := store.Open(filepath.Join(t.TempDir(), "lb.db"), store.Options{})
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	defer st.Close()
	ctx := context.Background()

	for _, public := range []string{"https://old.example.test", "https://old.example.test/", "https://new.example.test"} {
		if _, err := daemon.RegisterWebhooks(ctx, lc, st, public); err != nil {
			t.Fatalf("register %s: %v", public, err)
		}
	}
	var inLever []lever.Webhook
	for w, err := range lc.ListWebhooks(ctx) {
		if err != nil {
			t.Fatalf("list webhooks: %v", err)
		}
		inLever = append(inLever, w)
	}
	kept, err := st.Webhooks()
	if err != nil {
		t.Fatalf("stored webhooks: %v", err)
	}
	if len(inLever) != len(daemon.SubscribedEvents) || len(kept) != len(daemon.SubscribedEvents) {
		t.Fatalf("webhooks: got %d in lever, %d stored; want %d each", len(inLever), len(kept),
			len(daemon.SubscribedEvents))
	}
	for _, w := range inLever {
		if w.URL != "https://new.example.test/webhooks/lever" {
			t.Fatalf("webhook %s still points at %s", w.Event, w.URL)
		}
	}

	if _, err := daemon.RegisterWebhooks(ctx, lc, st, "not a url"); !errors.Is(err, daemon.ErrBadPublicURL) {
		t.Fatalf("register with a bad url: got %v, want ErrBadPublicURL", err)
	}
}
