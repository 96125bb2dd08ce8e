package daemon_test

import (
	"net/http"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/leverbright/leverbright/daemon"
	"github.com/leverbright/leverbright/demo"
	"github.com/leverbright/leverbright/lever/levertest"
)

// Lever routes the economy benchmark counts, as the fake names them.
const (
	benchRouteList       = "GET /opportunities"
	benchRouteInterviews = "GET /opportunities/:id/interviews"
)

// benchOpps is the size of the fake Lever: LB_BENCH_OPPS, default 1,000.
func benchOpps(b *testing.B) int {
	n := 1000
	if s := os.Getenv("LB_BENCH_OPPS"); s != "" {
		v, err := strconv.Atoi(s)
		if err != nil || v <= 0 {
			b.Fatalf("LB_BENCH_OPPS: got %q, want a positive number", s)
		}
		n = v
	}
	return n
}

// benchCalls sums a route's requests over every status.
func benchCalls(st levertest.Stats, route string) int {
	n := 0
	for _, c := range st.ByRoute[route] {
		n += c
	}
	return n
}

// BenchmarkEconomy measures Lever API calls against the fake with Lever's own limiter
// (10 requests a second, burst 20) and the daemon at 10 a second, burst 10: the first
// backfill of LB_BENCH_OPPS opportunities, a reconcile pass with nothing changed, and one
// after 50 opportunities each had an interview rescheduled without their webhooks being
// sent. Each iteration builds a new environment; use -benchtime=1x.
func BenchmarkEconomy(b *testing.B) {
	n := benchOpps(b)
	const rate = 10.0
	for range b.N {
		r := benchStart(b, demo.EnvOptions{Opportunities: n, Schedule: benchQuiet, RPS: rate},
			daemon.Options{})
		benchWait(b, time.Duration(n)*time.Second, "backfill", func() bool {
			return !r.d.Status().Passes["full_resync"].LastOK.IsZero()
		})
		wall := time.Since(r.started)
		st := r.env.Lever.Stats()
		b.ReportMetric(float64(st.Total), "backfill-calls")
		b.ReportMetric(wall.Seconds(), "backfill-s")
		b.ReportMetric(float64(st.TooMany), "backfill-429s")
		b.ReportMetric(wall.Seconds()/(float64(st.Total)/rate), "backfill-wall/ideal")
		b.ReportMetric(float64(st.PeakRPS), "backfill-peak-rps")

		unchanged := benchReconcile(b, r)
		b.ReportMetric(float64(unchanged.Total), "unchanged-calls")
		b.ReportMetric(float64(benchCalls(unchanged, benchRouteList)), "unchanged-pages")

		benchChange(b, r, 50)
		changed := benchReconcile(b, r)
		b.ReportMetric(float64(changed.Total), "changed50-calls")
		b.ReportMetric(float64(benchCalls(changed, benchRouteList)), "changed50-pages")
		b.ReportMetric(float64(benchCalls(changed, benchRouteInterviews)), "changed50-interview-lists")
		b.ReportMetric(float64(changed.TooMany), "changed50-429s")
	}
}

// benchReconcile waits for the queue to drain, starts a reconcile pass through the admin API,
// waits for it and the work it queued, and returns the Lever calls the pass made.
func benchReconcile(b *testing.B, r *benchRun) levertest.Stats {
	b.Helper()
	idle := func() bool { st := r.d.Status(); return st.QueueDepth == 0 }
	benchWait(b, time.Minute, "queue drained", idle)
	r.env.Lever.ResetStats()
	before := r.d.Status().Passes["reconcile"].LastEnd
	resp, err := http.Post(r.env.AdminURL+"/admin/sync", "text/plain", nil)
	if err != nil {
		b.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted {
		b.Fatalf("POST /admin/sync: got %d, want %d", resp.StatusCode, http.StatusAccepted)
	}
	benchWait(b, 5*time.Minute, "reconcile pass", func() bool {
		p := r.d.Status().Passes["reconcile"]
		return !p.Running && p.LastEnd.After(before)
	})
	benchWait(b, 5*time.Minute, "reconcile work", idle)
	return r.env.Lever.Stats()
}

// benchChange reschedules one interview in each of n opportunities in the fake Lever; the
// webhooks are not sent, so only reconciliation can find the changes.
func benchChange(b *testing.B, r *benchRun, n int) {
	b.Helper()
	changed := 0
	at := time.Now().Add(72 * time.Hour).Truncate(time.Hour)
	for oppID, ivs := range r.env.Lever.AllInterviews() {
		if changed == n {
			break
		}
		if len(ivs) == 0 {
			continue
		}
		if d := r.env.Lever.RescheduleInterview(oppID, ivs[0].ID, at); d.Event == "" {
			b.Fatalf("reschedule interview %s: not found", ivs[0].ID)
		}
		changed++
	}
	if changed < n {
		b.Fatalf("rescheduled %d interviews, want %d", changed, n)
	}
}
