package daemon_test

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/leverbright/leverbright/demo"
	"github.com/leverbright/leverbright/store"
)

// benchInterviews is the number of linked interviews: LB_BENCH_INTERVIEWS, default 100,000.
func benchInterviews(b *testing.B) int {
	n := 100_000
	if s := os.Getenv("LB_BENCH_INTERVIEWS"); s != "" {
		v, err := strconv.Atoi(s)
		if err != nil || v <= 0 {
			b.Fatalf("LB_BENCH_INTERVIEWS: got %q, want a positive number", s)
		}
		n = v
	}
	return n
}

// benchID is a Lever-like UUID derived from a label and a number.
func benchID(label string, i int) string {
	h := sha256.Sum256(fmt.Appendf(nil, "%s-%d", label, i))
	x := hex.EncodeToString(h[:16])
	return x[:8] + "-" + x[8:12] + "-" + x[12:16] + "-" + x[16:20] + "-" + x[20:]
}

// benchFillStore writes a store with n linked interviews, two per opportunity, through the
// store's API, marked as fully synced. Filling takes a while (one commit per record), so
// the file is kept in the temp folder and reused by later runs.
func benchFillStore(b *testing.B, n int) string {
	b.Helper()
	dir := filepath.Join(os.TempDir(), "leverbright-bench")
	path := filepath.Join(dir, fmt.Sprintf("links-%d.db", n))
	if _, err := os.Stat(path); err == nil {
		return path
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		b.Fatal(err)
	}
	tmp := path + ".filling"
	_ = os.Remove(tmp)
	s, err := store.Open(tmp, store.Options{})
	if err != nil {
		b.Fatal(err)
	}
	now := time.Now()
	for i := range n {
		if err := benchPutInterview(s, i, now); err != nil {
			b.Fatal(err)
		}
	}
	for _, c := range []string{store.CursorReconcile, store.CursorFullResync} {
		if err := s.SetCursor(c, now); err != nil {
			b.Fatal(err)
		}
	}
	if err := s.SetNeedsFullResync(false); err != nil {
		b.Fatal(err)
	}
	if err := s.Close(); err != nil {
		b.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		b.Fatal(err)
	}
	return path
}

// benchPutInterview stores interview i with its BrightHire id and push hash, and every
// second one its opportunity.
func benchPutInterview(s *store.Store, i int, now time.Time) error {
	opp := benchID("opp", i/2)
	h := sha256.Sum256([]byte(benchID("hash", i)))
	l := store.InterviewLink{InterviewID: benchID("iv", i), OpportunityID: opp,
		BrightHireID: "bhi_" + benchID("bh", i)[:24], Hash: hex.EncodeToString(h[:]), UpdatedAt: now}
	if err := s.PutInterviewLink(l); err != nil {
		return err
	}
	if i%2 != 0 {
		return nil
	}
	return s.PutOpportunity(store.OpportunityState{ID: opp, ContactID: benchID("contact", i/2),
		UpdatedAt: now.Add(-time.Duration(i) * time.Minute).UnixMilli()})
}

// benchCopy copies the file at src to dst.
func benchCopy(b *testing.B, src, dst string) {
	b.Helper()
	in, err := os.Open(src)
	if err != nil {
		b.Fatal(err)
	}
	defer in.Close()
	out, err := os.Create(dst)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := io.Copy(out, in); err != nil {
		b.Fatal(err)
	}
	if err := out.Close(); err != nil {
		b.Fatal(err)
	}
}

// benchProcKB reads a "Vm..." line of /proc/<pid>/status, in KiB.
func benchProcKB(b *testing.B, pid int, field string) float64 {
	b.Helper()
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), field+":"); ok {
			kb, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 64)
			if err != nil {
				b.Fatal(err)
			}
			return kb
		}
	}
	b.Fatalf("no %s in /proc/%d/status", field, pid)
	return 0
}

// BenchmarkMemory builds the real binary and starts `leverbright run` on a store with
// LB_BENCH_INTERVIEWS linked interviews (default 100,000) and a config pointing at the
// fakes. Each iteration is one process start; it reports the store file size per
// interview, the time from exec to /readyz answering 200, and VmRSS and VmHWM two seconds
// after ready. Use -benchtime=5x.
func BenchmarkMemory(b *testing.B) {
	n := benchInterviews(b)
	filled := benchFillStore(b, n)
	fi, err := os.Stat(filled)
	if err != nil {
		b.Fatal(err)
	}
	env, err := demo.NewEnv(b.TempDir(), demo.EnvOptions{Schedule: benchQuiet})
	if err != nil {
		b.Fatal(err)
	}
	defer env.Close()
	bin := filepath.Join(b.TempDir(), "leverbright")
	if out, err := exec.Command("go", "build", "-o", bin, "..").CombinedOutput(); err != nil {
		b.Fatalf("go build: %v\n%s", err, out)
	}
	var ready []time.Duration
	var rss, hwm float64
	b.ResetTimer()
	for range b.N {
		benchCopy(b, filled, env.StorePath)
		d, r, h := benchStartBinary(b, bin, env)
		ready = append(ready, d)
		rss, hwm = max(rss, r), max(hwm, h)
	}
	b.StopTimer()
	b.ReportMetric(float64(fi.Size())/float64(n), "file-bytes/interview")
	b.ReportMetric(benchPercentile(ready, 50), "ready-ms-p50")
	b.ReportMetric(float64(slices.Max(ready))/float64(time.Millisecond), "ready-ms-max")
	b.ReportMetric(rss/1024, "VmRSS-MiB")
	b.ReportMetric(hwm/1024, "VmHWM-MiB")
}

// benchStartBinary runs the binary until /readyz answers 200, waits two seconds, reads its
// memory and stops it with SIGTERM.
func benchStartBinary(b *testing.B, bin string, env *demo.Env) (ready time.Duration, rss, hwm float64) {
	b.Helper()
	logf, err := os.Create(filepath.Join(env.Dir, "daemon.log"))
	if err != nil {
		b.Fatal(err)
	}
	defer logf.Close()
	cmd := exec.Command(bin, "run", "-config", env.ConfigPath)
	cmd.Stdout, cmd.Stderr = logf, logf
	c := &http.Client{Timeout: time.Second}
	start := time.Now()
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	defer func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		_ = cmd.Wait()
	}()
	for {
		resp, err := c.Get(env.AdminURL + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				break
			}
		}
		if time.Since(start) > 15*time.Second {
			b.Fatalf("not ready after 15s; log in %s", logf.Name())
		}
		time.Sleep(time.Millisecond)
	}
	ready = time.Since(start)
	time.Sleep(2 * time.Second)
	return ready, benchProcKB(b, cmd.Process.Pid, "VmRSS"), benchProcKB(b, cmd.Process.Pid, "VmHWM")
}
