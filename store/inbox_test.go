package store

import (
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// ids returns the ids of items.
func ids(items []Item) []uint64 {
	out := make([]uint64, len(items))
	for i, it := range items {
		out[i] = it.ID
	}
	return out
}

// bodies returns the bodies of items as strings.
func bodies(items []Item) string {
	var s string
	for _, it := range items {
		s += string(it.Body) + " "
	}
	return s
}

// enqueue appends one item per body, keyed as given.
func enqueue(t *testing.T, s *Store, keyBody ...string) {
	t.Helper()
	for i := 0; i < len(keyBody); i += 2 {
		it := Item{Source: "work", Kind: "test", Key: keyBody[i], Body: []byte(keyBody[i+1])}
		if err := s.Enqueue(it); err != nil {
			t.Fatal(err)
		}
	}
}

func TestStore_Due_ArrivalOrderHeadOfLine(t *testing.T) {
	s := openTest(t)
	enqueue(t, s, "a", "a1", "b", "b1", "a", "a2", "c", "c1", "b", "b2", "", "x1", "", "x2")

	due, err := s.Due(testNow, 10, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := bodies(due), "a1 b1 c1 x1 x2 "; got != want {
		t.Fatalf("Due: got %q, want %q", got, want)
	}
	if got := fmt.Sprint(ids(due)); got != "[1 2 4 6 7]" {
		t.Fatalf("Due ids: got %s, want [1 2 4 6 7]", got)
	}
	if due[0].ReceivedAt != testNow || due[0].Source != "work" || due[0].Key != "a" {
		t.Fatalf("item fields: got %+v", due[0])
	}

	if err := s.Done(due[0].ID); err != nil {
		t.Fatal(err)
	}
	due, err = s.Due(testNow, 2, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := bodies(due), "b1 a2 "; got != want {
		t.Fatalf("Due after done: got %q, want %q", got, want)
	}
}

func TestStore_Due_SkipKeys(t *testing.T) {
	s := openTest(t)
	enqueue(t, s, "a", "a1", "b", "b1", "a", "a2")

	due, err := s.Due(testNow, 10, map[string]bool{"a": true})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := bodies(due), "b1 "; got != want {
		t.Fatalf("Due with skip: got %q, want %q", got, want)
	}
}

func TestStore_Retry_HoldsBackItsKey(t *testing.T) {
	s := openTest(t)
	enqueue(t, s, "a", "a1", "a", "a2", "b", "b1")
	later := testNow.Add(time.Minute)

	if err := s.Retry(1, later, "lever answered 503"); err != nil {
		t.Fatal(err)
	}
	if err := s.Retry(1, later, "lever answered 503 again"); err != nil {
		t.Fatal(err)
	}

	due, err := s.Due(testNow, 10, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := bodies(due), "b1 "; got != want {
		t.Fatalf("Due before retry time: got %q, want %q", got, want)
	}
	due, err = s.Due(later, 10, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := bodies(due), "a1 b1 "; got != want {
		t.Fatalf("Due at retry time: got %q, want %q", got, want)
	}
	it := due[0]
	if it.Attempts != 2 || !it.NextAttempt.Equal(later) || it.LastError != "lever answered 503 again" {
		t.Fatalf("retried item: got attempts %d next %v error %q", it.Attempts, it.NextAttempt, it.LastError)
	}
}

func TestStore_MissingItem_NotFound(t *testing.T) {
	s := openTest(t)
	calls := map[string]func() error{
		"Done":            func() error { return s.Done(9) },
		"Retry":           func() error { return s.Retry(9, testNow, "x") },
		"DeadLetter":      func() error { return s.DeadLetter(9, "x") },
		"RetryDeadLetter": func() error { return s.RetryDeadLetter(9) },
		"DropDeadLetter":  func() error { return s.DropDeadLetter(9) },
		"DeleteWebhook":   func() error { return s.DeleteWebhook("w9") },
	}
	for name, call := range calls {
		if err := call(); !errors.Is(err, ErrNotFound) {
			t.Fatalf("%s: got %v, want ErrNotFound", name, err)
		}
	}
}

func TestStore_DeadLetter_RetryAndDrop(t *testing.T) {
	s := openTest(t)
	enqueue(t, s, "a", "a1", "b", "b1", "c", "c1", "d", "d1")
	if err := s.Retry(1, testNow, "boom"); err != nil {
		t.Fatal(err)
	}
	for _, id := range []uint64{1, 2, 3} {
		if err := s.DeadLetter(id, fmt.Sprintf("gave up on %d", id)); err != nil {
			t.Fatal(err)
		}
	}

	dls, err := s.DeadLetters()
	if err != nil || len(dls) != 3 {
		t.Fatalf("DeadLetters: got %d, %v, want 3", len(dls), err)
	}
	first := dls[0]
	if first.ID != 1 || first.Reason != "gave up on 1" || first.DeadAt != testNow ||
		first.Attempts != 1 || string(first.Body) != "a1" {
		t.Fatalf("dead letter: got %+v", first)
	}
	if n, _ := s.QueueDepth(); n != 1 {
		t.Fatalf("QueueDepth: got %d, want 1", n)
	}

	// A retried dead letter goes to the end of the inbox, reset.
	if err := s.RetryDeadLetter(1); err != nil {
		t.Fatal(err)
	}
	if err := s.DropDeadLetter(2); err != nil {
		t.Fatal(err)
	}
	due, err := s.Due(testNow, 10, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := fmt.Sprintf("%v %s", ids(due), bodies(due)), "[4 5] d1 a1 "; got != want {
		t.Fatalf("Due after retry: got %q, want %q", got, want)
	}
	if due[1].Attempts != 0 || due[1].LastError != "" {
		t.Fatalf("requeued item not reset: %+v", due[1])
	}

	n, err := s.RetryAllDeadLetters()
	if err != nil || n != 1 {
		t.Fatalf("RetryAllDeadLetters: got %d, %v, want 1", n, err)
	}
	if c, _ := s.DeadLetterCount(); c != 0 {
		t.Fatalf("DeadLetterCount: got %d, want 0", c)
	}
	if d, _ := s.QueueDepth(); d != 3 {
		t.Fatalf("QueueDepth: got %d, want 3", d)
	}
}

func TestStore_Ingest_DedupeAndPrune(t *testing.T) {
	clock := testNow
	s, err := Open(t.TempDir()+"/s.db", Options{Now: func() time.Time { return clock }})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()

	item := Item{Source: "lever", Key: "opp1", Body: []byte("{}")}
	if dup, err := s.Ingest("old", item, item); err != nil || dup {
		t.Fatalf("first ingest: got dup %v, %v", dup, err)
	}
	if dup, err := s.Ingest("old", item); err != nil || !dup {
		t.Fatalf("repeat ingest: got dup %v, %v, want true", dup, err)
	}
	clock = testNow.Add(time.Hour)
	if _, err := s.Ingest("new", item); err != nil {
		t.Fatal(err)
	}
	if n, _ := s.QueueDepth(); n != 3 {
		t.Fatalf("QueueDepth: got %d, want 3", n)
	}

	n, err := s.PruneSeen(testNow.Add(time.Minute))
	if err != nil || n != 1 {
		t.Fatalf("PruneSeen: got %d, %v, want 1", n, err)
	}
	if seen, _ := s.Seen("old"); seen {
		t.Fatalf("Seen(old) after prune: got true")
	}
	if seen, _ := s.Seen("new"); !seen {
		t.Fatalf("Seen(new) after prune: got false")
	}
	if dup, err := s.Ingest("old", item); err != nil || dup {
		t.Fatalf("ingest after prune: got dup %v, %v, want false", dup, err)
	}
	if _, err := s.Ingest(""); err == nil {
		t.Fatalf("ingest with empty key: got nil error")
	}
}

// TestStore_Ingest_ConcurrentExactlyOnce makes bbolt run batch functions
// more than once: the hook fails the first run of every fifth delivery,
// which rolls back the whole batch and reruns that function on its own.
// Every delivery must still land exactly once.
func TestStore_Ingest_ConcurrentExactlyOnce(t *testing.T) {
	s := openTest(t)
	const writers, perWriter = 64, 20

	var mu sync.Mutex
	runs := make(map[string]int)
	injected := errors.New("injected failure")
	s.batchHook = func(key string) error {
		mu.Lock()
		defer mu.Unlock()
		runs[key]++
		var n int
		fmt.Sscanf(key, "d%d", &n)
		if n%5 == 0 && runs[key] == 1 {
			return injected
		}
		return nil
	}

	var dups atomic.Int64
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for i := range perWriter {
				n := w*perWriter + i
				key := fmt.Sprintf("d%d", n)
				it := Item{Source: "lever", Body: []byte(key)}
				dup, err := s.Ingest(key, it, it)
				if err != nil {
					t.Errorf("ingest %s: %v", key, err)
				}
				if dup {
					dups.Add(1)
				}
			}
		})
	}
	wg.Wait()

	if dups.Load() != 0 {
		t.Fatalf("duplicates reported: %d", dups.Load())
	}
	rerun := 0
	for _, n := range runs {
		if n > 1 {
			rerun++
		}
	}
	if rerun < writers*perWriter/5 {
		t.Fatalf("deliveries whose function ran twice: got %d, want >= %d", rerun, writers*perWriter/5)
	}
	assertEachBodyTwice(t, s, writers*perWriter)
}

// assertEachBodyTwice checks that the inbox holds exactly two items for
// each of n deliveries, under ids 1..2n.
func assertEachBodyTwice(t *testing.T, s *Store, n int) {
	t.Helper()
	all := drainAll(t, s)
	if len(all) != 2*n {
		t.Fatalf("inbox items: got %d, want %d", len(all), 2*n)
	}
	count := make(map[string]int)
	for i, it := range all {
		if it.ID != uint64(i+1) {
			t.Fatalf("item %d has id %d, want %d", i, it.ID, i+1)
		}
		count[string(it.Body)]++
	}
	for i := range n {
		if got := count[fmt.Sprintf("d%d", i)]; got != 2 {
			t.Fatalf("delivery d%d: got %d items, want 2", i, got)
		}
	}
}

// drainAll reads the whole inbox in id order. It expects items without
// ordering keys, so that one Due call sees all of them.
func drainAll(t *testing.T, s *Store) []Item {
	t.Helper()
	all, err := s.Due(testNow, 1<<20, nil)
	if err != nil {
		t.Fatal(err)
	}
	return all
}
