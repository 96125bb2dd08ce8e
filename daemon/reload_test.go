package daemon_test

import (
	"context"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/leverbright/leverbright/config"
	"github.com/leverbright/leverbright/daemon"
	"github.com/leverbright/leverbright/demo"
	"github.com/leverbright/leverbright/lever/levertest"
)

func TestDaemon_Reload_UnchangedSaveCountsNothing(t *testing.T) {
	env := newTestEnv(t, demo.EnvOptions{Opportunities: 4})
	cfg, err := config.Load(env.ConfigPath)
	if err != nil {
		t.Fatalf("load config: %v", err)
	}
	logs := &syncBuffer{}
	d := daemon.New(cfg, daemon.Options{Logger: slog.New(slog.NewTextHandler(logs, nil)),
		SkipInitialBackfill: true, ReloadDebounce: time.Hour})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- d.Run(ctx) }()
	defer func() { cancel(); <-done }()
	waitFor(t, 10*time.Second, "ready", func() (bool, string) { return d.Ready(), "" })

	before := d.Status().Config
	if before.LoadedAt.IsZero() {
		t.Fatalf("loaded_at is zero before any reload")
	}
	b, err := os.ReadFile(env.ConfigPath)
	if err != nil {
		t.Fatalf("read config: %v", err)
	}
	if err := os.WriteFile(env.ConfigPath, b, 0o600); err != nil {
		t.Fatalf("rewrite config: %v", err)
	}
	if err := d.Reload(); err != nil {
		t.Fatalf("reload: %v", err)
	}
	after := d.Status().Config
	if !after.LastReload.IsZero() || !after.LoadedAt.Equal(before.LoadedAt) {
		t.Fatalf("unchanged save: last reload %v, loaded at %v -> %v; want no reload recorded",
			after.LastReload, before.LoadedAt, after.LoadedAt)
	}

	// A refused delivery is logged, with its reason.
	bad := []byte(`{"event":"interviewCreated","token":"t","triggeredAt":1,"signature":"00","data":{}}`)
	status, err := env.Lever.Send(ctx, env.WebhookURL+"/webhooks/lever", levertest.Delivery{Body: bad})
	if err != nil || status != http.StatusUnauthorized {
		t.Fatalf("bad delivery: got %d, %v; want 401", status, err)
	}
	if logs.count("delivery refused") != 1 {
		t.Fatalf("refused delivery not logged once:\n%s", logs.b.String())
	}
}

// A reload that cannot bind one of its new listeners changes nothing: the other listener is
// not moved either.
func TestDaemon_Reload_RefusedRebindMovesNothing(t *testing.T) {
	env := newTestEnv(t, demo.EnvOptions{Opportunities: 4})
	r := startDaemon(t, env, true)
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	defer busy.Close()
	free, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	freeAddr := free.Addr().String()
	free.Close()

	oldHook, oldAdmin := strings.TrimPrefix(env.WebhookURL, "http://"), strings.TrimPrefix(env.AdminURL, "http://")
	editConfig(t, env, "webhooks = \""+oldHook+"\"", "webhooks = \""+freeAddr+"\"")
	editConfig(t, env, "admin = \""+oldAdmin+"\"", "admin = \""+busy.Addr().String()+"\"")
	if err := r.d.Reload(); err == nil {
		t.Fatalf("reload onto a busy admin address: got no error")
	}
	if code := getStatus(env.WebhookURL + "/webhooks/lever"); code != http.StatusMethodNotAllowed {
		t.Fatalf("old webhook listener after a refused reload: got %d, want 405 (still serving)", code)
	}
	if code := getStatus("http://" + freeAddr + "/webhooks/lever"); code != 0 {
		t.Fatalf("new webhook address after a refused reload: got %d, want nothing listening", code)
	}
	if st := r.d.Status(); st.Config.ReloadOK {
		t.Fatalf("status after a refused reload: reload ok")
	}
}

// getStatus GETs url and returns the status, or 0 when nothing answers.
func getStatus(url string) int {
	c := &http.Client{Timeout: 2 * time.Second}
	resp, err := c.Get(url)
	if err != nil {
		return 0
	}
	resp.Body.Close()
	return resp.StatusCode
}
