package daemon_test

import (
	"testing"
	"time"

	"github.com/leverbright/leverbright/daemon"
	"github.com/leverbright/leverbright/demo"
)

// benchPace spaces the deliveries so that their Lever calls stay inside the daemon's rate of
// 10 a second: the figure is the relay's delay, not a backlog's.
const benchPace = 300 * time.Millisecond

// BenchmarkLatency measures, for b.N new interviews (use -benchtime=200x), the time from
// the daemon's 200 answer to the interviewCreated webhook until the interview is in the
// fake BrightHire, found by polling it every millisecond. Both fakes run on loopback with
// Lever's limits; the first backfill has run, and deliveries are sent one at a time,
// benchPace apart.
func BenchmarkLatency(b *testing.B) {
	r := benchStart(b, demo.EnvOptions{Opportunities: 200, Schedule: benchQuiet}, daemon.Options{})
	benchWait(b, 2*time.Minute, "backfill", func() bool {
		st := r.d.Status()
		return !st.Passes["full_resync"].LastOK.IsZero() && st.QueueDepth == 0
	})
	url := r.env.WebhookURL + "/webhooks/lever"
	opps := r.env.Lever.Opportunities()
	c := benchClient(1)
	defer c.CloseIdleConnections()
	r.env.Lever.ResetStats()
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := range b.N {
		next := time.Now().Add(benchPace)
		iv, d := r.env.Lever.ScheduleInterview(opps[i%len(opps)].ID)
		benchPost(b, c, url, d.Body)
		answered := time.Now()
		for {
			if _, ok := r.env.BrightHire.Interviews()[iv.ID]; ok {
				break
			}
			if time.Since(answered) > 30*time.Second {
				b.Fatalf("interview %s not in BrightHire after 30s", iv.ID)
			}
			time.Sleep(time.Millisecond)
		}
		lat = append(lat, time.Since(answered))
		time.Sleep(time.Until(next))
	}
	b.StopTimer()
	b.ReportMetric(benchPercentile(lat, 50), "p50-ms")
	b.ReportMetric(benchPercentile(lat, 99), "p99-ms")
	b.ReportMetric(benchPercentile(lat, 100), "max-ms")
	b.ReportMetric(float64(r.env.Lever.Stats().Total)/float64(b.N), "lever-calls/delivery")
}
