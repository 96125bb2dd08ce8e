package store

import (
	"bytes"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// BenchmarkStore_Ingest measures webhook deliveries made durable per
// second, with group commit (batch) and with one write transaction per
// delivery (update), for several concurrent writers.
func BenchmarkStore_Ingest(b *testing.B) {
	body := bytes.Repeat([]byte(`{"k":"v"}`), 100)
	for _, writers := range []int{1, 16, 64} {
		for _, mode := range []string{"batch", "update"} {
			b.Run(fmt.Sprintf("writers=%d/mode=%s", writers, mode), func(b *testing.B) {
				s, err := Open(filepath.Join(b.TempDir(), "s.db"), Options{NoBatch: mode == "update"})
				if err != nil {
					b.Fatal(err)
				}
				defer s.Close()
				it := Item{Source: "lever", Kind: "interviewCreated", ContentType: "application/json",
					Body: body}

				var next atomic.Int64
				var wg sync.WaitGroup
				b.ResetTimer()
				start := time.Now()
				for range writers {
					wg.Go(func() {
						for n := next.Add(1); n <= int64(b.N); n = next.Add(1) {
							it := it
							it.Key = fmt.Sprintf("opp%d", n%500)
							if _, err := s.Ingest(fmt.Sprintf("lever|d%d", n), it); err != nil {
								b.Error(err)
								return
							}
						}
					})
				}
				wg.Wait()
				b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "deliveries/s")
			})
		}
	}
}

// fillInterviews writes n interview links (two per opportunity, one write
// transaction each, random-looking ids as Lever and BrightHire use) plus
// the opportunity states, and returns the file size and the size of the
// used pages, both per interview.
//
// fsync is switched off for speed: it changes how long this takes, not the
// pages the file ends up with.
func fillInterviews(tb testing.TB, n int) (file, used float64) {
	tb.Helper()
	s := openTest(tb)
	s.db.NoSync = true
	hash := strings.Repeat("0123456789abcdef", 4)
	for i := range n {
		opp := uuidLike(n + i/2)
		l := InterviewLink{InterviewID: uuidLike(i), OpportunityID: opp,
			BrightHireID: uuidLike(2*n + i), Hash: hash, UpdatedAt: testNow}
		if err := s.PutInterviewLink(l); err != nil {
			tb.Fatal(err)
		}
		if i%2 == 0 {
			o := OpportunityState{ID: opp, ContactID: uuidLike(3*n + i), UpdatedAt: 1700000000000}
			if err := s.PutOpportunity(o); err != nil {
				tb.Fatal(err)
			}
		}
	}
	var size int64
	if err := s.db.View(func(tx *bolt.Tx) error { size = tx.Size(); return nil }); err != nil {
		tb.Fatal(err)
	}
	return float64(s.FileSize()) / float64(n), float64(size) / float64(n)
}

// BenchmarkStore_Size100k reports the file size per linked interview at
// 100,000 interviews.
func BenchmarkStore_Size100k(b *testing.B) {
	for b.Loop() {
		file, used := fillInterviews(b, 100_000)
		b.ReportMetric(file, "file-bytes/interview")
		b.ReportMetric(used, "used-bytes/interview")
	}
}

// TestStore_PutInterviewLink_UnderOneKiBPerInterview guards the encoding
// size at a scale the race detector can afford. Below 16 MiB bbolt grows
// the file in powers of two, so the pages in use are measured, not the
// file; BenchmarkStore_Size100k measures the file at full scale.
func TestStore_PutInterviewLink_UnderOneKiBPerInterview(t *testing.T) {
	if _, used := fillInterviews(t, 2000); used >= 1024 {
		t.Fatalf("pages used per interview: got %.0f bytes, want < 1024", used)
	}
}
