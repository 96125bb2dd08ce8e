package daemon_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/leverbright/leverbright/config"
	"github.com/leverbright/leverbright/daemon"
	"github.com/leverbright/leverbright/demo"
	"github.com/leverbright/leverbright/lever"
)

// benchQuiet keeps the scheduled passes out of a benchmark's way; passes it needs are
// started through the admin API.
var benchQuiet = demo.Schedule{Reconcile: "@every 1h", FullResync: "0 3 1 1 *", Notes: "@every 1h"}

// benchRun is a daemon running in this process between the two fakes of a demo environment.
type benchRun struct {
	env     *demo.Env
	d       *daemon.Daemon
	started time.Time
}

// benchStart starts the fakes and a daemon on their config, and stops both when b ends.
func benchStart(b *testing.B, eo demo.EnvOptions, opts daemon.Options) *benchRun {
	b.Helper()
	env, err := demo.NewEnv(b.TempDir(), eo)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(env.Close)
	cfg, err := config.Load(env.ConfigPath)
	if err != nil {
		b.Fatal(err)
	}
	opts.Notify = func(string) {}
	d := daemon.New(cfg, opts)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	r := &benchRun{env: env, d: d, started: time.Now()}
	go func() { done <- d.Run(ctx) }()
	b.Cleanup(func() { cancel(); <-done })
	for !d.Ready() {
		select {
		case err := <-done:
			b.Fatalf("daemon stopped before it was ready: %v", err)
		case <-time.After(time.Millisecond):
		}
	}
	return r
}

// benchWait polls cond every 100 ms until it holds or timeout passes. Conditions read
// Daemon.Status, which counts every link in the store, so it is not polled faster.
func benchWait(b *testing.B, timeout time.Duration, what string, cond func() bool) {
	b.Helper()
	for deadline := time.Now().Add(timeout); !cond(); time.Sleep(100 * time.Millisecond) {
		if time.Now().After(deadline) {
			b.Fatalf("%s: not done after %s", what, timeout)
		}
	}
}

// benchDeliveries builds n distinct interviewUpdated deliveries on the fake's opportunities,
// each with its own token, signed with the event's signing token and triggered now.
func benchDeliveries(b *testing.B, env *demo.Env, n int) [][]byte {
	b.Helper()
	opps := env.Lever.Opportunities()
	ivs := env.Lever.AllInterviews()
	event := lever.EventInterviewUpdated
	signing := env.Lever.SigningToken(event)
	at := time.Now().UnixMilli()
	out := make([][]byte, n)
	for i := range out {
		o := opps[i%len(opps)]
		data := map[string]string{"opportunityId": o.ID, "contactId": o.Contact.ID}
		if list := ivs[o.ID]; len(list) > 0 {
			data["interviewId"], data["panelId"] = list[0].ID, list[0].Panel
		}
		token := benchToken()
		body, err := json.Marshal(map[string]any{"triggeredAt": at, "event": event,
			"token": token, "signature": lever.Sign(signing, token, at), "data": data})
		if err != nil {
			b.Fatal(err)
		}
		out[i] = body
	}
	return out
}

func benchToken() string {
	var raw [16]byte
	_, _ = rand.Read(raw[:])
	return hex.EncodeToString(raw[:])
}

// benchClient is a keep-alive client with room for one idle connection per sender.
func benchClient(senders int) *http.Client {
	return &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{
		MaxIdleConns: senders, MaxIdleConnsPerHost: senders, IdleConnTimeout: time.Minute}}
}

// benchPost sends one delivery and fails b unless it is answered 200.
func benchPost(b *testing.B, c *http.Client, url string, body []byte) {
	resp, err := c.Post(url, "application/json", bytes.NewReader(body))
	if err != nil {
		b.Error(err)
		return
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b.Errorf("delivery answered %d, want 200", resp.StatusCode)
	}
}

// benchBlast sends every body with the given number of concurrent senders, each as fast as
// its answers come, and returns every answer time.
func benchBlast(b *testing.B, url string, bodies [][]byte, senders int) []time.Duration {
	c := benchClient(senders)
	defer c.CloseIdleConnections()
	var next atomic.Int64
	times := make([][]time.Duration, senders)
	var wg sync.WaitGroup
	for s := range senders {
		wg.Go(func() {
			for i := next.Add(1) - 1; i < int64(len(bodies)); i = next.Add(1) - 1 {
				t0 := time.Now()
				benchPost(b, c, url, bodies[i])
				times[s] = append(times[s], time.Since(t0))
			}
		})
	}
	wg.Wait()
	return slices.Concat(times...)
}

// benchPercentile returns the p-th percentile (0..100) of ds in milliseconds.
func benchPercentile(ds []time.Duration, p float64) float64 {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	i := int(float64(len(s)-1) * p / 100)
	return float64(s[i]) / float64(time.Millisecond)
}

// BenchmarkIngest measures Lever deliveries taken through the real webhook listener:
// verified, deduplicated, committed durably and answered, with 1, 16 and 64 concurrent
// keep-alive senders. commit=batch is the daemon as shipped (group commit); commit=single
// is the baseline with one store transaction per delivery. The queue works on the
// deliveries in the background, held to Lever's rate of 10 requests a second.
func BenchmarkIngest(b *testing.B) {
	for _, mode := range []string{"batch", "single"} {
		b.Run("commit="+mode, func(b *testing.B) {
			r := benchStart(b, demo.EnvOptions{Opportunities: 50, Schedule: benchQuiet},
				daemon.Options{SkipInitialBackfill: true, StoreNoBatch: mode == "single"})
			url := r.env.WebhookURL + "/webhooks/lever"
			for _, senders := range []int{1, 16, 64} {
				b.Run(fmt.Sprintf("senders=%d", senders), func(b *testing.B) {
					bodies := benchDeliveries(b, r.env, b.N)
					b.ResetTimer()
					start := time.Now()
					times := benchBlast(b, url, bodies, senders)
					elapsed := time.Since(start)
					b.StopTimer()
					b.ReportMetric(float64(len(times))/elapsed.Seconds(), "deliveries/s")
					b.ReportMetric(benchPercentile(times, 50), "p50-ms")
					b.ReportMetric(benchPercentile(times, 99), "p99-ms")
				})
			}
		})
	}
}

// BenchmarkIngest_Offered1000 offers deliveries at a fixed 1,000 a second from 16 senders
// and reports the answer times, counted from when each delivery was due to be sent so that
// a stalled sender does not hide the wait (b.N deliveries; use -benchtime=10000x).
func BenchmarkIngest_Offered1000(b *testing.B) {
	r := benchStart(b, demo.EnvOptions{Opportunities: 50, Schedule: benchQuiet},
		daemon.Options{SkipInitialBackfill: true})
	url := r.env.WebhookURL + "/webhooks/lever"
	bodies := benchDeliveries(b, r.env, b.N)
	const senders, interval = 16, time.Millisecond
	c := benchClient(senders)
	defer c.CloseIdleConnections()

	type job struct {
		due  time.Time
		body []byte
	}
	jobs := make(chan job, len(bodies))
	times := make([][]time.Duration, senders)
	var wg sync.WaitGroup
	b.ResetTimer()
	start := time.Now()
	for s := range senders {
		wg.Go(func() {
			for j := range jobs {
				benchPost(b, c, url, j.body)
				times[s] = append(times[s], time.Since(j.due))
			}
		})
	}
	for i, body := range bodies {
		due := start.Add(time.Duration(i) * interval)
		time.Sleep(time.Until(due))
		jobs <- job{due, body}
	}
	close(jobs)
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	all := slices.Concat(times...)
	b.ReportMetric(float64(len(all))/elapsed.Seconds(), "deliveries/s")
	b.ReportMetric(benchPercentile(all, 50), "p50-ms")
	b.ReportMetric(benchPercentile(all, 99), "p99-ms")
	b.ReportMetric(benchPercentile(all, 100), "max-ms")
}
