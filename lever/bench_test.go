package lever_test

import (
	"context"
	"os"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/leverbright/leverbright/lever"
	"github.com/leverbright/leverbright/lever/levertest"
)

// BenchmarkClient_SustainedRate drives the client at its maximum rate against
// the fake's Lever-sized limiter (10 rps, burst 20) for LEVER_BENCH_SECONDS
// (default 5) and reports the achieved rate as a fraction of the configured
// one and the number of 429s. Run with -benchtime=1x.
func BenchmarkClient_SustainedRate(b *testing.B) {
	secs := 5
	if v, err := strconv.Atoi(os.Getenv("LEVER_BENCH_SECONDS")); err == nil && v > 0 {
		secs = v
	}
	srv := levertest.NewServer(levertest.Options{Seed: 1, Opportunities: 100,
		APIKey: "bench-key-" + strconv.FormatInt(time.Now().UnixNano(), 10), RetryAfter: true})
	defer srv.Close()
	const rps, burst = lever.MaxRPS, lever.DefaultBurst
	c := lever.NewClient(srv.URL(), srv.APIKey(), lever.WithRateLimit(rps, burst),
		lever.WithRetry(6, 10*time.Millisecond, time.Second))
	users := srv.UserIDs()

	for b.Loop() {
		srv.ResetStats()
		ctx, cancel := context.WithTimeout(context.Background(), time.Duration(secs)*time.Second)
		start := time.Now()
		var wg sync.WaitGroup
		for w := range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := w; ctx.Err() == nil; i++ {
					_, _ = c.GetUser(ctx, users[i%len(users)])
				}
			}()
		}
		wg.Wait()
		cancel()
		st := srv.Stats()
		ok := st.ByRoute["GET /users/:id"][200]
		achieved := float64(ok) / time.Since(start).Seconds()
		b.ReportMetric(achieved/rps, "rate_fraction")
		b.ReportMetric(achieved, "ok_rps")
		b.ReportMetric(float64(st.TooMany), "429s")
		b.ReportMetric(float64(st.PeakRPS), "peak_rps")
	}
}
