package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/leverbright/leverbright/daemon"
	"github.com/leverbright/leverbright/demo"
	"github.com/leverbright/leverbright/lever"
	"github.com/leverbright/leverbright/lever/levertest"
	"github.com/leverbright/leverbright/store"
)

// crashFsizeEnv, when set in the environment of this test binary, makes it a launcher: it
// limits the size of files it may write to that many bytes and runs its arguments instead.
// Go ignores SIGXFSZ, so a write past the limit fails with EFBIG and the process lives on.
const crashFsizeEnv = "LEVERBRIGHT_TEST_FSIZE"

func init() {
	limit := os.Getenv(crashFsizeEnv)
	if limit == "" {
		return
	}
	n, err := strconv.ParseUint(limit, 10, 64)
	if err == nil {
		err = syscall.Setrlimit(syscall.RLIMIT_FSIZE, &syscall.Rlimit{Cur: n, Max: n})
	}
	if err == nil {
		env := crashEnviron()
		err = syscall.Exec(os.Args[1], os.Args[1:], env)
	}
	fmt.Fprintln(os.Stderr, "file size launcher:", err)
	os.Exit(3)
}

// crashEnviron is this process's environment without anything that would make a child talk
// to a service manager or read another config.
func crashEnviron() []string {
	var out []string
	for _, kv := range os.Environ() {
		switch k, _, _ := strings.Cut(kv, "="); k {
		case "NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID", "LEVERBRIGHT_CONFIG", crashFsizeEnv:
			continue
		}
		out = append(out, kv)
	}
	return out
}

// crashBinary builds the real leverbright binary into a folder of the test.
func crashBinary(t *testing.T) string {
	t.Helper()
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("find the go tool to build leverbright: %v", err)
	}
	bin := filepath.Join(t.TempDir(), "leverbright")
	out, err := exec.Command(goTool, "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("build leverbright: %v\n%s", err, out)
	}
	return bin
}

// tail is the last n bytes of what b collected, shown when a test fails.
func (b *syncBuffer) tail(n int) string {
	s := b.String()
	return s[max(0, len(s)-n):]
}

// crashProc is one run of the binary.
type crashProc struct {
	cmd  *exec.Cmd
	done chan struct{}
}

// crashRunner starts, kills and restarts the binary on one env's config.
type crashRunner struct {
	t     *testing.T
	bin   string
	env   *demo.Env
	log   *syncBuffer
	proc  *crashProc
	fsize int64 // file size limit of the next start; 0 is none
}

func newCrashRunner(t *testing.T, env *demo.Env) *crashRunner {
	r := &crashRunner{t: t, bin: crashBinary(t), env: env, log: &syncBuffer{}}
	t.Cleanup(func() {
		r.kill()
		if t.Failed() {
			t.Logf("daemon log tail:\n%s", r.log.tail(6000))
		}
	})
	return r
}

// start runs the binary and waits until it answers /readyz.
func (r *crashRunner) start() {
	r.t.Helper()
	args := []string{r.bin, "run", "-config", r.env.ConfigPath}
	env := crashEnviron()
	if r.fsize > 0 {
		self, err := os.Executable()
		if err != nil {
			r.t.Fatalf("find test binary: %v", err)
		}
		args = append([]string{self}, args...)
		env = append(env, fmt.Sprintf("%s=%d", crashFsizeEnv, r.fsize))
	}
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Env, cmd.Stdout, cmd.Stderr = env, r.log, r.log
	if err := cmd.Start(); err != nil {
		r.t.Fatalf("start leverbright: %v", err)
	}
	p := &crashProc{cmd: cmd, done: make(chan struct{})}
	go func() { _ = cmd.Wait(); close(p.done) }()
	r.proc = p
	r.waitReady(p)
}

func (r *crashRunner) waitReady(p *crashProc) {
	r.t.Helper()
	for deadline := time.Now().Add(15 * time.Second); time.Now().Before(deadline); {
		select {
		case <-p.done:
			r.t.Fatalf("leverbright exited before it was ready: %v", p.cmd.ProcessState)
		case <-time.After(20 * time.Millisecond):
		}
		if code, _ := crashCall(http.MethodGet, r.env.AdminURL+"/readyz"); code == http.StatusOK {
			return
		}
	}
	r.t.Fatalf("leverbright not ready within 15s")
}

// kill sends SIGKILL and waits for the process to be gone.
func (r *crashRunner) kill() { r.signal(syscall.SIGKILL) }

// stop sends SIGTERM and waits for a clean exit.
func (r *crashRunner) stop() {
	r.t.Helper()
	p := r.signal(syscall.SIGTERM)
	if p != nil && !p.cmd.ProcessState.Success() {
		r.t.Fatalf("leverbright after SIGTERM: %v, want exit 0", p.cmd.ProcessState)
	}
}

func (r *crashRunner) signal(sig syscall.Signal) *crashProc {
	p := r.proc
	if p == nil {
		return nil
	}
	r.proc = nil
	_ = p.cmd.Process.Signal(sig)
	select {
	case <-p.done:
	case <-time.After(20 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.done
		r.t.Errorf("leverbright did not exit 20s after %v", sig)
	}
	return p
}

// status reads /status; ok is false while the daemon is not answering.
func (r *crashRunner) status() (daemon.Status, bool) {
	var st daemon.Status
	code, body := crashCall(http.MethodGet, r.env.AdminURL+"/status")
	if code != http.StatusOK {
		return st, false
	}
	return st, json.Unmarshal([]byte(body), &st) == nil
}

// waitFor polls cond until it holds, or fails the test after limit.
func (r *crashRunner) waitFor(limit time.Duration, what string, cond func() (bool, string)) {
	r.t.Helper()
	deadline := time.Now().Add(limit)
	for {
		ok, seen := cond()
		if ok {
			return
		}
		if time.Now().After(deadline) {
			r.t.Fatalf("%s: not reached within %s (last seen: %s)", what, limit, seen)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// waitSettled waits for an empty queue and Lever and BrightHire in step.
func (r *crashRunner) waitSettled(limit time.Duration) demo.Check {
	r.t.Helper()
	var c demo.Check
	r.waitFor(limit, "settled and in step", func() (bool, string) {
		st, ok := r.status()
		c = r.env.Verify()
		return ok && st.QueueDepth == 0 && c.OK(), fmt.Sprintf("queue %d, problems %v", st.QueueDepth, c.Problems)
	})
	return c
}

// waitBackfill waits for the first full sweep of a new store.
func (r *crashRunner) waitBackfill() {
	r.t.Helper()
	r.waitFor(30*time.Second, "initial backfill", func() (bool, string) {
		st, ok := r.status()
		return ok && !st.Passes["full_resync"].LastOK.IsZero(), fmt.Sprintf("%+v", st.Backfill)
	})
}

var crashHTTP = &http.Client{Timeout: 5 * time.Second}

// crashCall sends a bodiless request; code 0 means no answer.
func crashCall(method, url string) (int, string) {
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		return 0, err.Error()
	}
	resp, err := crashHTTP.Do(req)
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	var b bytes.Buffer
	_, _ = b.ReadFrom(resp.Body)
	return resp.StatusCode, b.String()
}

// crashSend posts a Lever delivery; code 0 means no answer (the daemon was down or died).
func crashSend(env *demo.Env, body []byte) (int, string) {
	req, err := http.NewRequest(http.MethodPost, env.WebhookURL+"/webhooks/lever", bytes.NewReader(body))
	if err != nil {
		return 0, err.Error()
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := crashHTTP.Do(req)
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	var b bytes.Buffer
	_, _ = b.ReadFrom(resp.Body)
	return resp.StatusCode, strings.TrimSpace(b.String())
}

// crashLoad makes changes in the fake Lever and delivers their webhooks as Lever does:
// a delivery not answered 200 is sent again later, in order.
type crashLoad struct {
	env        *demo.Env
	rng        *rand.Rand
	pending    [][]byte
	accepted   int
	unexpected []string
	held       int
}

// step makes one change and tries to deliver everything pending.
func (l *crashLoad) step() {
	if d := l.change(); len(d.Body) > 0 {
		l.pending = append(l.pending, d.Body)
	}
	l.flush()
}

// flush sends pending deliveries until one is not answered 200.
func (l *crashLoad) flush() {
	for len(l.pending) > 0 {
		code, text := crashSend(l.env, l.pending[0])
		switch code {
		case http.StatusOK:
			l.accepted++
			l.pending = l.pending[1:]
			continue
		case 0, http.StatusServiceUnavailable:
		default:
			l.unexpected = append(l.unexpected, fmt.Sprintf("%d %s", code, text))
			l.pending = l.pending[1:]
			continue
		}
		return
	}
}

// change makes one weighted-random change in the fake Lever.
func (l *crashLoad) change() levertest.Delivery {
	lv := l.env.Lever
	oppID, ivID, ok := l.pick()
	switch r := l.rng.IntN(100); {
	case r < 10 || !ok:
		opp, d := lv.CreateApplication()
		l.pending = append(l.pending, d.Body)
		_, d = lv.ScheduleInterview(opp.ID)
		return d
	case r < 60:
		l.held++
		return lv.RescheduleInterview(oppID, ivID, time.Now().Truncate(time.Second))
	case r < 75:
		at := time.Now().Add(time.Duration(1+l.rng.IntN(72)) * time.Hour).Truncate(time.Minute)
		return lv.RescheduleInterview(oppID, ivID, at)
	case r < 82:
		return lv.CancelInterview(oppID, ivID)
	case r < 88:
		return lv.DeleteInterview(oppID, ivID)
	case r < 94:
		_, d := lv.ScheduleInterview(oppID)
		return d
	}
	return lv.ChangeStage(oppID)
}

// pick picks a live, not canceled interview.
func (l *crashLoad) pick() (string, string, bool) {
	var live [][2]string
	for oppID, ivs := range l.env.Lever.AllInterviews() {
		for _, iv := range ivs {
			if iv.CanceledAt == nil {
				live = append(live, [2]string{oppID, iv.ID})
			}
		}
	}
	if len(live) == 0 {
		return "", "", false
	}
	p := live[l.rng.IntN(len(live))]
	return p[0], p[1], true
}

// TestRun_SurvivesKills runs the real binary under webhook load with notes being written
// back, kills it with SIGKILL at 20 random moments and restarts it on the same store. Every
// delivery answered 200 must have been processed, and no note may be written twice.
func TestRun_SurvivesKills(t *testing.T) {
	env, err := demo.NewEnv(t.TempDir(), demo.EnvOptions{
		Seed: 11, Opportunities: 20, NotesDelay: 200 * time.Millisecond, Workers: 4, LogLevel: "warn",
		// No reconcile pass until the test asks for one: what is in step before it came
		// through the webhooks. The notes pass stays, as the net for notes-ready webhooks
		// BrightHire gave up on while the daemon was down.
		Schedule: demo.Schedule{Reconcile: "@every 1h", FullResync: "0 3 * * 0", Notes: "@every 2s"},
	})
	if err != nil {
		t.Fatalf("new env: %v", err)
	}
	t.Cleanup(env.Close)
	r := newCrashRunner(t, env)
	r.start()
	r.waitBackfill()

	load := &crashLoad{env: env, rng: rand.New(rand.NewPCG(11, 3))}
	ctx, stopLoad := context.WithCancel(context.Background())
	loadDone := make(chan struct{})
	go func() {
		defer close(loadDone)
		for ctx.Err() == nil {
			load.step()
			time.Sleep(250 * time.Millisecond)
		}
	}()
	rng := rand.New(rand.NewPCG(5, 8))
	for range 20 {
		time.Sleep(400*time.Millisecond + time.Duration(rng.Int64N(int64(1100*time.Millisecond))))
		r.kill()
		r.start()
	}
	stopLoad()
	<-loadDone
	for i := 0; len(load.pending) > 0; i++ {
		if i == 100 {
			t.Fatalf("%d deliveries still not accepted after the kills", len(load.pending))
		}
		load.flush()
		time.Sleep(50 * time.Millisecond)
	}
	if len(load.unexpected) > 0 {
		t.Fatalf("unexpected answers: %v", load.unexpected)
	}

	check := r.waitSettled(40 * time.Second)
	crashCheckNotes(t, r, check, "before the sync")
	if code, body := crashCall(http.MethodPost, env.AdminURL+"/admin/sync"); code != http.StatusAccepted {
		t.Fatalf("POST /admin/sync: got %d %q, want 202", code, body)
	}
	r.waitFor(20*time.Second, "reconcile pass", func() (bool, string) {
		st, ok := r.status()
		p := st.Passes["reconcile"]
		return ok && !p.LastOK.IsZero() && !p.Running, fmt.Sprintf("%+v", p)
	})
	check = r.waitSettled(20 * time.Second)
	crashCheckNotes(t, r, check, "after the sync")
	st, _ := r.status()
	if st.DeadLetter != 0 {
		t.Fatalf("dead letters: got %d, want 0", st.DeadLetter)
	}
	t.Logf("%d deliveries accepted, %d interviews held; %d live interviews linked; notes %d/%d in lever; caught by reconcile %d",
		load.accepted, load.held, check.Linked, check.NotesInLever, check.NotesReady, st.Links.CaughtByReconciling)
	r.stop()
}

// crashCheckNotes checks that notes came back and none was written twice.
func crashCheckNotes(t *testing.T, r *crashRunner, c demo.Check, when string) {
	t.Helper()
	if c.NotesDuplicated != 0 {
		t.Fatalf("%s: notes written twice: got %d, want 0 (%v)", when, c.NotesDuplicated, c.Problems)
	}
	if c.NotesReady == 0 || c.NotesInLever != c.NotesReady {
		t.Fatalf("%s: notes in lever: got %d of %d, want all of at least one", when, c.NotesInLever, c.NotesReady)
	}
	markers := map[string]int{}
	for _, o := range r.env.Lever.Opportunities() {
		for _, n := range r.env.Lever.Notes(o.ID) {
			if i := strings.LastIndex(n.Body(), "[leverbright: "); i >= 0 {
				markers[n.Body()[i:]]++
			}
		}
	}
	for m, n := range markers {
		if n != 1 {
			t.Fatalf("%s: note %q in lever %d times, want once", when, m, n)
		}
	}
}

// TestRun_FullDisk fills the store's disk: deliveries are answered 503, not 200, and
// nothing is half written. When space returns, a refused delivery sent again is taken
// once, the daemon catches up, and the store opens cleanly.
func TestRun_FullDisk(t *testing.T) {
	dir := t.TempDir()
	env, err := demo.NewEnv(dir, demo.EnvOptions{
		Seed: 5, Opportunities: 12, LogLevel: "warn",
		Schedule: demo.Schedule{Reconcile: "@every 1h", FullResync: "0 3 * * 0", Notes: "@every 1h"},
	})
	if err != nil {
		t.Fatalf("new env: %v", err)
	}
	t.Cleanup(env.Close)
	disk := newCrashDisk(t, filepath.Join(dir, "store"))
	env.StorePath = filepath.Join(disk.dir, "leverbright.db")
	if err := env.WriteConfig(""); err != nil {
		t.Fatalf("write config: %v", err)
	}
	r := newCrashRunner(t, env)
	r.start()
	r.waitBackfill()
	r.waitSettled(20 * time.Second)
	t.Logf("full disk by %s", disk.how)

	disk.fill(r)
	refused, accepted := crashFillStore(t, env)
	t.Logf("%d deliveries accepted before the first 503", accepted)
	disk.free(r)

	for _, want := range []string{"stored", "duplicate"} {
		if code, text := crashSend(env, refused); code != http.StatusOK || text != want {
			t.Fatalf("refused delivery sent again: got %d %q, want 200 %q", code, text, want)
		}
	}
	r.waitSettled(30 * time.Second)
	r.stop()

	st, err := store.Open(env.StorePath, store.Options{})
	if err != nil {
		t.Fatalf("open store after the full disk: %v", err)
	}
	defer st.Close()
	ev, _ := lever.ParseEvent(refused)
	seen, err := st.Seen(ev.DedupeKey())
	need, err2 := st.NeedsFullResync()
	depth, err3 := st.QueueDepth()
	if err := errors.Join(err, err2, err3); err != nil || !seen || need || depth != 0 {
		t.Fatalf("store after the full disk: seen %v, needs resync %v, depth %d, err %v; want true, false, 0",
			seen, need, depth, err)
	}
	entries, _ := os.ReadDir(disk.dir)
	for _, e := range entries {
		if strings.Contains(e.Name(), "corrupt") {
			t.Fatalf("store quarantined after the full disk: %s", e.Name())
		}
	}
}

// crashFillStore sends large genuine deliveries (padding in data, which is not signed and
// which the daemon ignores) until one is answered 503, and returns that one.
func crashFillStore(t *testing.T, env *demo.Env) ([]byte, int) {
	t.Helper()
	opps := env.Lever.Opportunities()
	for i := range 400 {
		d := env.Lever.ChangeStage(opps[i%len(opps)].ID)
		body := crashPad(t, d.Body, 64<<10)
		code, text := crashSend(env, body)
		switch code {
		case http.StatusOK:
			continue
		case http.StatusServiceUnavailable:
			return body, i
		}
		t.Fatalf("delivery on a full disk: got %d %q, want 200 or 503", code, text)
	}
	t.Fatalf("400 large deliveries accepted on a full disk")
	return nil, 0
}

// crashPad adds n bytes of padding to a delivery's data.
func crashPad(t *testing.T, body []byte, n int) []byte {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(body, &m); err != nil {
		t.Fatalf("decode delivery: %v", err)
	}
	m["data"].(map[string]any)["padding"] = strings.Repeat("p", n)
	out, _ := json.Marshal(m)
	return out
}

// crashDisk is a store folder that can be made full: a small tmpfs filled with a file when
// mounting is permitted, else a file size limit on the daemon process.
type crashDisk struct {
	t      *testing.T
	dir    string
	how    string
	filler string
}

func newCrashDisk(t *testing.T, dir string) *crashDisk {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatalf("make store folder: %v", err)
	}
	d := &crashDisk{t: t, dir: dir, how: "a file size limit on the daemon (RLIMIT_FSIZE)"}
	if err := syscall.Mount("tmpfs", dir, "tmpfs", 0, "size=4m,mode=0700"); err == nil {
		d.how = "a 4 MiB tmpfs filled up"
		t.Cleanup(func() { _ = syscall.Unmount(dir, syscall.MNT_DETACH) })
	}
	return d
}

// fill leaves the store no room to grow.
func (d *crashDisk) fill(r *crashRunner) {
	d.t.Helper()
	if !strings.HasPrefix(d.how, "a 4 MiB") {
		fi, err := os.Stat(r.env.StorePath)
		if err != nil {
			d.t.Fatalf("stat store: %v", err)
		}
		r.stop()
		r.fsize = fi.Size()
		r.start()
		return
	}
	d.filler = filepath.Join(d.dir, "filler")
	f, err := os.Create(d.filler)
	if err != nil {
		d.t.Fatalf("create filler: %v", err)
	}
	defer f.Close()
	chunk := make([]byte, 64<<10)
	for {
		if _, err := f.Write(chunk); err != nil {
			if !errors.Is(err, syscall.ENOSPC) {
				d.t.Fatalf("fill the disk: %v", err)
			}
			return
		}
	}
}

// free gives the store room again.
func (d *crashDisk) free(r *crashRunner) {
	d.t.Helper()
	if d.filler == "" {
		r.stop()
		r.fsize = 0
		r.start()
		return
	}
	if err := os.Remove(d.filler); err != nil {
		d.t.Fatalf("remove filler: %v", err)
	}
}
