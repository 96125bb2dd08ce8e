package main

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/leverbright/leverbright/daemon"
	"github.com/leverbright/leverbright/demo"
	"github.com/leverbright/leverbright/lever"
	"github.com/leverbright/leverbright/store"
)

// newEnv starts fake Lever and BrightHire servers and writes a config for them.
func newEnv(t *testing.T) *demo.Env {
	t.Helper()
	env, err := demo.NewEnv(t.TempDir(), demo.EnvOptions{Seed: 7, Opportunities: 20})
	if err != nil {
		t.Fatalf("demo.NewEnv: %v", err)
	}
	t.Cleanup(env.Close)
	return env
}

func TestRun_Lifecycle(t *testing.T) {
	t.Parallel()
	env := newEnv(t)
	cfg := env.ConfigPath
	p := startRun(t, cfg)
	p.waitReady(env.AdminURL)

	checkStatusCommands(t, cfg)
	checkSyncAndDeadLetters(t, cfg)
	checkWebhooks(t, env)
	checkBackup(t, cfg)
	checkSecondInstance(t, cfg)
	adminURL := checkReload(t, p, env)

	p.signal(syscall.SIGTERM)
	start := time.Now()
	if code := p.wait(6 * time.Second); code != 0 {
		t.Fatalf("after SIGTERM: exit %d, want 0; stderr:\n%s", code, p.stderr.String())
	}
	t.Logf("stopped %s after SIGTERM", time.Since(start).Round(time.Millisecond))
	if code, _ := get(adminURL + "/healthz"); code != 0 {
		t.Fatalf("admin listener still answers after exit: %d", code)
	}
}

func checkStatusCommands(t *testing.T, cfg string) {
	r := runBin(t, nil, "status", "-config", cfg)
	head := "leverbright " + daemon.Version + ", ready, up "
	if r.code != 0 || !strings.HasPrefix(r.stdout, head) ||
		!strings.Contains(r.stdout, "config      "+cfg+" (last reload ok)") ||
		!strings.Contains(r.stdout, "pass reconcile") {
		t.Fatalf("status: got %s\nwant a human status starting %q", r, head)
	}
	r = runBin(t, nil, "status", "-config", cfg, "-json")
	var st daemon.Status
	if r.code != 0 || json.Unmarshal([]byte(r.stdout), &st) != nil || !st.Ready || st.Config.Path != cfg {
		t.Fatalf("status -json: got %s\nwant JSON of a ready daemon on %s", r, cfg)
	}
}

func checkSyncAndDeadLetters(t *testing.T, cfg string) {
	r := runBin(t, nil, "sync", "-config", cfg)
	started := r.code == 0 && strings.Contains(r.stdout, "sync started")
	busy := r.code == 1 && strings.Contains(r.stderr, "409 Conflict")
	if !started && !busy {
		t.Fatalf("sync: got %s\nwant it started (or refused as already running)", r)
	}
	r = runBin(t, nil, "sync", "-config", cfg, "-full")
	if r.code != 0 && !strings.Contains(r.stderr, "already running") {
		t.Fatalf("sync -full: got %s", r)
	}
	for _, args := range [][]string{{"deadletters", "-config", cfg}, {"deadletters", "list", "-config", cfg}} {
		r = runBin(t, nil, args...)
		if r.code != 0 || (r.stdout != "no dead letters\n" && !regexp.MustCompile(`^\d+  `).MatchString(r.stdout)) {
			t.Fatalf("%q: got %s\nwant the list", args, r)
		}
	}
	r = runBin(t, nil, "deadletters", "-config", cfg, "drop", "999999")
	if r.code != 1 || !strings.Contains(r.stderr, "no such dead letter") {
		t.Fatalf("deadletters drop 999999: got %s\nwant a 404 reported", r)
	}
}

func checkWebhooks(t *testing.T, env *demo.Env) {
	cfg := env.ConfigPath
	configured := env.Lever.SigningToken(lever.EventInterviewCreated)
	r := runBin(t, nil, "webhooks", "register", "-public-url", "https://lb.example.test", "-config", cfg)
	if r.code != 0 || strings.Count(r.stdout, "https://lb.example.test/webhooks/lever") != 4 {
		t.Fatalf("webhooks register: got %s\nwant four webhooks", r)
	}

	lc := lever.NewClient(env.Lever.URL(), env.Lever.APIKey(), lever.WithRetry(2, time.Millisecond, time.Millisecond))
	var events, tokens []string
	for w, err := range lc.ListWebhooks(context.Background()) {
		if err != nil {
			t.Fatalf("list Lever webhooks: %v", err)
		}
		if w.URL != "https://lb.example.test/webhooks/lever" || w.Configuration.SignatureToken == "" {
			t.Fatalf("Lever webhook: got %+v, want the public URL with a token", w)
		}
		events, tokens = append(events, w.Event), append(tokens, w.Configuration.SignatureToken)
	}
	slices.Sort(events)
	want := slices.Sorted(slices.Values(daemon.SubscribedEvents))
	if !slices.Equal(events, want) {
		t.Fatalf("Lever webhooks: got %q, want %q", events, want)
	}

	r = runBin(t, nil, "webhooks", "list", "-config", cfg)
	if r.code != 0 || strings.Count(r.stdout, "signing token kept") != 4 {
		t.Fatalf("webhooks list: got %s\nwant four webhooks with tokens kept", r)
	}
	for _, tok := range tokens {
		if strings.Contains(r.stdout+r.stderr, tok) {
			t.Fatalf("webhooks list shows a signing token:\n%s", r)
		}
	}
	checkRegisteredTokenAccepted(t, env, configured)
}

// checkRegisteredTokenAccepted sends a delivery signed with the token Lever issued at
// registration, which the config file does not hold.
func checkRegisteredTokenAccepted(t *testing.T, env *demo.Env, configured string) {
	opp := env.Lever.Opportunities()[0].ID
	_, d := env.Lever.ScheduleInterview(opp)
	if now := env.Lever.SigningToken(lever.EventInterviewCreated); now == configured {
		t.Fatalf("registration did not change the fake Lever's signing token")
	}
	code, err := env.Lever.Send(context.Background(), env.WebhookURL+"/webhooks/lever", d)
	if err != nil || code != http.StatusOK {
		t.Fatalf("delivery signed with the registered token: got %d %v, want 200", code, err)
	}
}

func checkBackup(t *testing.T, cfg string) {
	out := filepath.Join(t.TempDir(), "backup.db")
	r := runBin(t, nil, "backup", out, "-config", cfg)
	if r.code != 0 || r.stdout != "backup written to "+out+"\n" {
		t.Fatalf("backup: got %s", r)
	}
	st, err := store.Open(out, store.Options{})
	if err != nil {
		t.Fatalf("open backup: %v", err)
	}
	defer st.Close()
	subs, err := st.Webhooks()
	if err != nil || len(subs) != 4 {
		t.Fatalf("backup webhooks: got %d %v, want the 4 registered", len(subs), err)
	}
}

func checkSecondInstance(t *testing.T, cfg string) {
	r := runBin(t, nil, "run", "-config", cfg)
	if r.code == 0 || r.took > 3*time.Second || !strings.Contains(r.stderr, "another leverbright instance holds the store") {
		t.Fatalf("second run on the same store: got %s\nwant a quick non-zero exit naming the lock", r)
	}
}

// checkReload moves the admin listener with a SIGHUP, then makes a bad edit that must be
// refused while the daemon keeps running. It returns the admin URL in force.
func checkReload(t *testing.T, p *proc, env *demo.Env) string {
	cfg := env.ConfigPath
	text := readFile(t, cfg)
	oldAddr := strings.TrimPrefix(env.AdminURL, "http://")
	newAddr := "127.0.0.1:" + freePort(t)
	if !strings.Contains(text, `admin = "`+oldAddr+`"`) {
		t.Fatalf("config has no admin = %q:\n%s", oldAddr, text)
	}
	writeFile(t, cfg, strings.Replace(text, oldAddr, newAddr, 1))
	p.signal(syscall.SIGHUP)
	newURL := "http://" + newAddr
	eventually(t, 5*time.Second, "admin listener moved", func() bool {
		code, _ := get(newURL + "/readyz")
		return code == http.StatusOK
	})
	if code, _ := get(env.AdminURL + "/healthz"); code != 0 {
		t.Fatalf("old admin address still answers: %d", code)
	}
	r := runBin(t, nil, "status", "-config", cfg)
	if r.code != 0 || !strings.Contains(r.stdout, "(last reload ok)") {
		t.Fatalf("status after reload: got %s", r)
	}

	writeFile(t, cfg, readFile(t, cfg)+"bogus_key = 1\n")
	p.signal(syscall.SIGHUP)
	eventually(t, 5*time.Second, "bad reload refused", func() bool {
		st := status(t, newURL)
		return !st.Config.ReloadOK && strings.Contains(st.Config.ReloadError, "daemon.bogus_key: unknown key")
	})
	if p.exited() {
		t.Fatalf("daemon exited after a bad reload: %s", p.stderr.String())
	}
	if st := status(t, newURL); !st.Ready {
		t.Fatalf("daemon not ready after a refused reload")
	}
	// status must still find the daemon through the file that did not validate.
	r = runBin(t, nil, "status", "-config", cfg)
	if r.code != 0 || !strings.Contains(r.stdout, "(last reload REFUSED: ") ||
		!strings.Contains(r.stdout, "daemon.bogus_key: unknown key") {
		t.Fatalf("status after a refused reload: got %s\nwant the refusal shown", r)
	}
	return newURL
}

// notifyListener receives sd_notify datagrams on a socket in dir.
func notifyListener(t *testing.T) (string, <-chan string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "notify.sock")
	conn, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: path, Net: "unixgram"})
	if err != nil {
		t.Fatalf("listen on notify socket: %v", err)
	}
	t.Cleanup(func() { conn.Close() })
	ch := make(chan string, 256)
	go func() {
		buf := make([]byte, 4096)
		for {
			n, err := conn.Read(buf)
			if err != nil {
				close(ch)
				return
			}
			for _, line := range strings.Split(strings.TrimSpace(string(buf[:n])), "\n") {
				ch <- line
			}
		}
	}()
	return path, ch
}

// notifications splits what arrives into watchdog pings (counted) and other states.
type notifications struct {
	t     *testing.T
	ch    <-chan string
	pings int
}

// next returns the next state other than WATCHDOG=1, or "" after limit.
func (n *notifications) next(limit time.Duration) string {
	timeout := time.After(limit)
	for {
		select {
		case m, ok := <-n.ch:
			if !ok {
				n.t.Fatalf("notify socket closed")
			}
			if m == "WATCHDOG=1" {
				n.pings++
				continue
			}
			return m
		case <-timeout:
			return ""
		}
	}
}

func (n *notifications) expect(want string, limit time.Duration) {
	n.t.Helper()
	if got := n.next(limit); got != want {
		n.t.Fatalf("notify: got %q, want %q", got, want)
	}
}

func TestRun_NotifyProtocol(t *testing.T) {
	t.Parallel()
	env := newEnv(t)
	sock, ch := notifyListener(t)
	p := startRun(t, env.ConfigPath, "NOTIFY_SOCKET="+sock, "WATCHDOG_USEC=400000")
	n := &notifications{t: t, ch: ch}

	n.expect("READY=1", 20*time.Second)
	if code, body := get(env.AdminURL + "/readyz"); code != http.StatusOK {
		t.Fatalf("/readyz right after READY=1: got %d %s, want 200", code, body)
	}

	// An unchanged config is no reload.
	p.signal(syscall.SIGHUP)
	n.expect("", 700*time.Millisecond)

	// A secret file is not watched, so only the SIGHUP can see this change.
	secret := "whsec_" + "bm90aWZ5LXRlc3Qtcm90YXRlZC1zZWNyZXQ="
	writeFile(t, filepath.Join(env.Dir, "brighthire_secret"), secret+"\n")
	p.signal(syscall.SIGHUP)
	n.expect("RELOADING=1", 5*time.Second)
	n.expect("READY=1", 5*time.Second)
	if st := status(t, env.AdminURL); !st.Config.ReloadOK || st.Config.LastReload.IsZero() {
		t.Fatalf("status after reload: got %+v, want a good reload", st.Config)
	}

	pings := n.pings
	n.expect("", time.Second)
	if n.pings-pings < 3 {
		t.Fatalf("watchdog: got %d pings in 1s with WATCHDOG_USEC=400000, want >= 3", n.pings-pings)
	}

	p.signal(syscall.SIGTERM)
	n.expect("STOPPING=1", 5*time.Second)
	if code := p.wait(6 * time.Second); code != 0 {
		t.Fatalf("exit after SIGTERM: got %d, want 0; stderr:\n%s", code, p.stderr.String())
	}
}

func TestRun_WatchdogForAnotherPID(t *testing.T) {
	t.Parallel()
	env := newEnv(t)
	sock, ch := notifyListener(t)
	startRun(t, env.ConfigPath, "NOTIFY_SOCKET="+sock, "WATCHDOG_USEC=200000", "WATCHDOG_PID=1")
	n := &notifications{t: t, ch: ch}
	n.expect("READY=1", 20*time.Second)
	n.expect("", time.Second)
	if n.pings != 0 {
		t.Fatalf("watchdog meant for pid 1: got %d pings, want none", n.pings)
	}
}

// A SIGHUP while the daemon is still starting (here: waiting for the store lock) must neither
// kill nor crash it, and the changed config must be applied once it is up.
func TestRun_HangupWhileStarting(t *testing.T) {
	t.Parallel()
	env := newEnv(t)
	held, err := store.Open(env.StorePath, store.Options{})
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	p := startRun(t, env.ConfigPath)
	time.Sleep(300 * time.Millisecond)

	oldAddr := strings.TrimPrefix(env.AdminURL, "http://")
	newAddr := "127.0.0.1:" + freePort(t)
	writeFile(t, env.ConfigPath, strings.Replace(readFile(t, env.ConfigPath), oldAddr, newAddr, 1))
	p.signal(syscall.SIGHUP)
	time.Sleep(200 * time.Millisecond)
	if err := held.Close(); err != nil {
		t.Fatalf("close store: %v", err)
	}

	eventually(t, 10*time.Second, "admin listener on the address given before the SIGHUP", func() bool {
		if p.exited() {
			t.Fatalf("daemon exited (%d):\n%s", p.code, p.stderr.String())
		}
		code, _ := get("http://" + newAddr + "/readyz")
		return code == http.StatusOK
	})
	p.signal(syscall.SIGTERM)
	if code := p.wait(6 * time.Second); code != 0 {
		t.Fatalf("exit after SIGTERM: %d; stderr:\n%s", code, p.stderr.String())
	}
}
