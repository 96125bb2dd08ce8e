package main

// End-to-end tests of the leverbright binary: TestMain builds it once and every test runs it
// as a child process, against fake Lever and BrightHire servers on loopback.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/leverbright/leverbright/daemon"
)

// binPath is the leverbright binary built by TestMain.
var binPath string

func TestMain(m *testing.M) {
	os.Exit(buildAndRun(m))
}

// buildAndRun builds the binary into a temporary folder, with the race detector when the
// tests themselves run with it, and runs the tests.
func buildAndRun(m *testing.M) int {
	dir, err := os.MkdirTemp("", "leverbright-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "make build folder:", err)
		return 1
	}
	defer os.RemoveAll(dir)
	binPath = filepath.Join(dir, "leverbright")
	args := []string{"build", "-o", binPath}
	if raceEnabled() {
		args = append(args, "-race")
	}
	out, err := exec.Command("go", append(args, ".")...).CombinedOutput()
	if err != nil {
		fmt.Fprintf(os.Stderr, "build leverbright: %v\n%s", err, out)
		return 1
	}
	return m.Run()
}

func raceEnabled() bool {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return false
	}
	for _, s := range bi.Settings {
		if s.Key == "-race" && s.Value == "true" {
			return true
		}
	}
	return false
}

// baseEnv is the test's environment without anything that would steer the binary.
func baseEnv(extra ...string) []string {
	drop := []string{"NOTIFY_SOCKET=", "WATCHDOG_USEC=", "WATCHDOG_PID=", "LEVERBRIGHT_CONFIG=",
		"CREDENTIALS_DIRECTORY=", "LISTEN_FDS=", "LISTEN_PID="}
	var env []string
	for _, kv := range os.Environ() {
		if !slices.ContainsFunc(drop, func(p string) bool { return strings.HasPrefix(kv, p) }) {
			env = append(env, kv)
		}
	}
	return append(env, extra...)
}

// result is how one run of the binary ended.
type result struct {
	code           int
	stdout, stderr string
	took           time.Duration
}

func (r result) String() string {
	return fmt.Sprintf("exit %d after %s\nstdout:\n%s\nstderr:\n%s", r.code, r.took, r.stdout, r.stderr)
}

// runBin runs the binary to completion (at most 30 s) with env added to baseEnv.
func runBin(t *testing.T, env []string, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, binPath, args...)
	cmd.Env = baseEnv(env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	err := cmd.Run()
	r := result{stdout: stdout.String(), stderr: stderr.String(), took: time.Since(start)}
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit):
		r.code = exit.ExitCode()
	case err != nil:
		t.Fatalf("run leverbright %q: %v", args, err)
	}
	if ctx.Err() != nil {
		t.Fatalf("leverbright %q did not finish in 30s:\n%s", args, r)
	}
	return r
}

// syncBuffer collects a child's output while it runs.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// proc is a running `leverbright run`.
type proc struct {
	t              *testing.T
	cmd            *exec.Cmd
	stdout, stderr syncBuffer
	done           chan struct{}
	code           int
}

// startRun starts `leverbright run -config path` and stops it (SIGKILL) at the end of the test
// if it is still running.
func startRun(t *testing.T, path string, env ...string) *proc {
	t.Helper()
	p := &proc{t: t, done: make(chan struct{})}
	p.cmd = exec.Command(binPath, "run", "-config", path)
	p.cmd.Env = baseEnv(env...)
	p.cmd.Stdout, p.cmd.Stderr = &p.stdout, &p.stderr
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("start leverbright run: %v", err)
	}
	go func() {
		err := p.cmd.Wait()
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			p.code = exit.ExitCode()
		}
		close(p.done)
	}()
	t.Cleanup(func() {
		if !p.exited() {
			_ = p.cmd.Process.Kill()
			<-p.done
		}
		if strings.Contains(p.stderr.String(), "DATA RACE") {
			t.Errorf("the daemon reported a data race:\n%s", p.stderr.String())
		}
	})
	return p
}

func (p *proc) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

func (p *proc) signal(sig syscall.Signal) {
	p.t.Helper()
	if err := p.cmd.Process.Signal(sig); err != nil {
		p.t.Fatalf("signal %v: %v", sig, err)
	}
}

// wait waits up to limit for the process to exit and returns its exit code.
func (p *proc) wait(limit time.Duration) int {
	p.t.Helper()
	select {
	case <-p.done:
		return p.code
	case <-time.After(limit):
		p.t.Fatalf("leverbright run still running after %s; stderr:\n%s", limit, p.stderr.String())
		return -1
	}
}

var httpClient = &http.Client{Timeout: 10 * time.Second}

// get fetches url and returns the status and body; a transport error is status 0.
func get(url string) (int, string) {
	resp, err := httpClient.Get(url)
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

// waitReady polls /readyz until it answers 200.
func (p *proc) waitReady(adminURL string) {
	p.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if code, _ := get(adminURL + "/readyz"); code == http.StatusOK {
			return
		}
		if p.exited() {
			p.t.Fatalf("leverbright run exited (%d) before ready:\n%s", p.code, p.stderr.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	p.t.Fatalf("/readyz not 200 after 20s; stderr:\n%s", p.stderr.String())
}

// status fetches and decodes /status.
func status(t *testing.T, adminURL string) daemon.Status {
	t.Helper()
	code, body := get(adminURL + "/status")
	if code != http.StatusOK {
		t.Fatalf("GET /status: got %d %s, want 200", code, body)
	}
	var st daemon.Status
	if err := json.Unmarshal([]byte(body), &st); err != nil {
		t.Fatalf("decode /status: %v\n%s", err, body)
	}
	return st
}

// eventually polls cond every 50 ms for up to limit.
func eventually(t *testing.T, limit time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %s", what, limit)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// freePort returns a loopback port that is free now.
func freePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("find a free port: %v", err)
	}
	defer ln.Close()
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	return port
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatalf("write %s: %v", path, err)
	}
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read %s: %v", path, err)
	}
	return string(b)
}

func assertNoCrash(t *testing.T, r result) {
	t.Helper()
	for _, s := range []string{"panic:", "goroutine ", "runtime error"} {
		if strings.Contains(r.stdout+r.stderr, s) {
			t.Fatalf("output has %q:\n%s", s, r)
		}
	}
}

func TestCheck_Example(t *testing.T) {
	t.Parallel()
	creds := t.TempDir()
	for _, name := range []string{"lever_api_key", "lever_signing_token"} {
		writeFile(t, filepath.Join(creds, name), "dummy-"+name+"\n")
	}
	r := runBin(t, []string{"CREDENTIALS_DIRECTORY=" + creds}, "check", "-config", "config.example.toml")
	if r.code != 0 || r.stdout != "config.example.toml: ok\n" {
		t.Fatalf("check example: got %s\nwant exit 0 and only the ok line", r)
	}

	// Without the credentials the example names, check fails and says which key.
	r = runBin(t, []string{"CREDENTIALS_DIRECTORY=" + t.TempDir()}, "check", "-config", "config.example.toml")
	if r.code != 1 || !strings.Contains(r.stdout, "lever.api_key_file: read secret file") {
		t.Fatalf("check without credentials: got %s\nwant exit 1 naming lever.api_key_file", r)
	}
}

func TestCheck_ReportsEveryError(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "broken.toml")
	writeFile(t, path, "[lever]\n"+
		"base_url = \"ftp://lever.test/v1\"\n"+
		"requests_per_second = 40\n"+
		"burst = \"ten\"\n"+
		"colour = 1\n"+
		"[schedule]\n"+
		"reconcile = \"nope\"\n"+
		"[log]\n"+
		"format = \"xml\"\n")
	r := runBin(t, nil, "check", "-config", path)
	want := []string{
		path + ":1: lever.api_key: required",
		path + ":1: lever.note_author: required",
		path + ":2: lever.base_url: must be an absolute http or https URL",
		path + ":3: lever.requests_per_second: must be between 1 and 10 (got 40)",
		path + ":4: lever.burst: must be an integer (got string)",
		path + ":5: lever.colour: unknown key",
		path + ":7: schedule.reconcile: must be a cron spec",
		path + ":9: log.format: must be one of json, text (got \"xml\")",
	}
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	if r.code != 1 || len(lines) != len(want)+1 || lines[len(want)] != fmt.Sprintf("%d error(s)", len(want)) {
		t.Fatalf("check broken config: got %s\nwant exit 1, %d errors and a count", r, len(want))
	}
	for _, w := range want {
		if !slices.ContainsFunc(lines, func(l string) bool { return strings.HasPrefix(l, w) }) {
			t.Fatalf("check broken config: no line starting %q in:\n%s", w, r.stdout)
		}
	}
	assertNoCrash(t, r)

	r = runBin(t, nil, "check", "-config", filepath.Join(t.TempDir(), "absent.toml"))
	if r.code != 1 || !strings.Contains(r.stdout+r.stderr, "absent.toml: no such file") {
		t.Fatalf("check missing file: got %s\nwant exit 1 naming the file", r)
	}
}

func TestHelp_EveryCommand(t *testing.T) {
	t.Parallel()
	for _, c := range commands {
		t.Run(c.name, func(t *testing.T) {
			r := runBin(t, nil, c.name, "-h")
			out := r.stdout + r.stderr
			if (r.code != 0 && r.code != 2) || !strings.Contains(out, "Usage: leverbright "+c.usage) ||
				!strings.Contains(out, c.help) {
				t.Fatalf("%s -h: got %s\nwant exit 0 or 2 with its usage and help", c.name, r)
			}
			assertNoCrash(t, r)
		})
	}
	for _, args := range [][]string{{"-h"}, {"help"}, {"--help"}, {}} {
		r := runBin(t, nil, args...)
		if (r.code != 0 && r.code != 2) || !strings.Contains(r.stderr, "Usage:\n  leverbright run") {
			t.Fatalf("leverbright %q: got %s\nwant the command list", args, r)
		}
	}
	r := runBin(t, nil, "webhooks", "register", "-h")
	if r.code != 0 || !strings.Contains(r.stderr, "-public-url string") ||
		!strings.Contains(r.stderr, "-config string") {
		t.Fatalf("webhooks register -h: got %s\nwant exit 0 listing -public-url and -config", r)
	}
}

func TestUnknownCommand(t *testing.T) {
	t.Parallel()
	r := runBin(t, nil, "frobnicate")
	if r.code != 2 || !strings.Contains(r.stderr, `unknown command "frobnicate"`) {
		t.Fatalf("unknown command: got %s\nwant exit 2 naming it", r)
	}
	assertNoCrash(t, r)
}

func TestCheck_RefusesAPositionalPath(t *testing.T) {
	t.Parallel()
	// Taken silently, the argument would leave check validating the default file instead.
	r := runBin(t, nil, "check", "config.example.toml")
	if r.code == 0 || !strings.Contains(r.stderr, `check: unexpected argument "config.example.toml"`) {
		t.Fatalf("check FILE: got %s\nwant a non-zero exit naming the argument", r)
	}
}
