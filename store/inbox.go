package store

import (
	"errors"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Item is one unit of work in the inbox: a webhook delivery, or work the
// daemon queued for itself.
type Item struct {
	ID          uint64 // assigned by the store; arrival order
	Source      string // "lever", "brighthire" or "work"
	Kind        string
	Key         string // ordering key: items of one Key run one at a time, in order
	ContentType string
	Body        []byte
	ReceivedAt  time.Time
	Attempts    int
	NextAttempt time.Time
	LastError   string
}

// maxLastError bounds the stored error text, which can echo a whole
// response body.
const maxLastError = 2048

// errNoDedupeKey rejects an Ingest that could not be deduplicated.
var errNoDedupeKey = errors.New("empty dedupe key")

// encodeItem writes Key and NextAttempt first so that Due can decide on an
// item without decoding its body.
func encodeItem(it Item) []byte {
	e := newEncoder(len(it.Body) + len(it.Key) + len(it.LastError) + 64)
	e.str(it.Key)
	e.time(it.NextAttempt)
	e.str(it.Source)
	e.str(it.Kind)
	e.str(it.ContentType)
	e.bytes(it.Body)
	e.time(it.ReceivedAt)
	e.uint(uint64(it.Attempts))
	e.str(it.LastError)
	return e.buf
}

func decodeItem(id uint64, v []byte) (Item, error) {
	d := newDecoder(v)
	it := Item{ID: id, Key: d.str(), NextAttempt: d.time(), Source: d.str(), Kind: d.str(),
		ContentType: d.str(), Body: d.bytes(), ReceivedAt: d.time(), Attempts: int(d.uint()),
		LastError: d.str()}
	if d.err != nil {
		return Item{}, fmt.Errorf("decode item %d: %w", id, d.err)
	}
	return it, nil
}

// itemSchedule decodes only the ordering key and the next attempt time.
func itemSchedule(v []byte) (key string, next time.Time, err error) {
	d := newDecoder(v)
	key, next = d.str(), d.time()
	return key, next, d.err
}

// appendItems gives each item the next inbox id and writes it. It changes
// nothing outside tx, so it is safe inside db.Batch: a rerun starts from a
// fresh transaction and draws the same ids again.
func appendItems(tx *bolt.Tx, now time.Time, items []Item) error {
	inbox := bucket(tx, bucketInbox)
	for _, it := range items {
		id, err := inbox.NextSequence()
		if err != nil {
			return err
		}
		it.ID = id
		if it.ReceivedAt.IsZero() {
			it.ReceivedAt = now
		}
		if err := inbox.Put(u64(id), encodeItem(it)); err != nil {
			return err
		}
	}
	return nil
}

// Ingest records dedupeKey as seen and appends items to the inbox, in one
// transaction that is durable when Ingest returns. If dedupeKey was seen
// before, nothing is written and dup is true.
//
// Concurrent calls are group-committed with db.Batch (one fsync for many
// deliveries) unless Options.NoBatch is set. The items slice is not
// modified; ids are assigned in the store.
func (s *Store) Ingest(dedupeKey string, items ...Item) (dup bool, err error) {
	if dedupeKey == "" {
		return false, fmt.Errorf("ingest: %w", errNoDedupeKey)
	}
	now := s.opts.Now()

	// dup is the only state the function touches outside its transaction,
	// and every run assigns it, so a rerun by Batch leaves the last answer.
	fn := func(tx *bolt.Tx, batched bool) error {
		dup = false
		seen := tx.Bucket(bucketSeen)
		if seen.Get([]byte(dedupeKey)) != nil {
			dup = true
			return nil
		}
		if err := seen.Put([]byte(dedupeKey), timeValue(now)); err != nil {
			return err
		}
		if err := appendItems(tx, now, items); err != nil {
			return err
		}
		if !batched {
			return nil
		}
		return s.runBatchHook(dedupeKey)
	}

	// A lone delivery commits at once; concurrent ones share one commit (and one fsync).
	// Only a batch may run fn twice, so the test hook runs only there.
	if alone := s.ingesting.Add(1) == 1; s.opts.NoBatch || alone {
		err = s.db.Update(func(tx *bolt.Tx) error { return fn(tx, false) })
	} else {
		err = s.db.Batch(func(tx *bolt.Tx) error { return fn(tx, true) })
	}
	s.ingesting.Add(-1)
	if err != nil {
		return false, fmt.Errorf("ingest %d items: %w", len(items), err)
	}
	return dup, nil
}

func (s *Store) runBatchHook(dedupeKey string) error {
	if s.batchHook == nil {
		return nil
	}
	return s.batchHook(dedupeKey)
}

// Enqueue appends items to the inbox without deduplication, in one
// transaction.
func (s *Store) Enqueue(items ...Item) error {
	now := s.opts.Now()
	return s.update(fmt.Sprintf("enqueue %d items", len(items)), func(tx *bolt.Tx) error {
		return appendItems(tx, now, items)
	})
}

// Due returns up to limit items, in arrival order, that may run now: for
// each Key only the earliest item in the inbox (the head of its line) is a
// candidate, and only if its NextAttempt is not after now and its Key is
// not in skipKeys. An item waiting for a retry thus holds back later items
// of its Key. Items with an empty Key are not ordered against each other.
func (s *Store) Due(now time.Time, limit int, skipKeys map[string]bool) ([]Item, error) {
	var out []Item
	err := s.view("list due items", func(tx *bolt.Tx) error {
		blocked := make(map[string]bool)
		c := tx.Bucket(bucketInbox).Cursor()
		for k, v := c.First(); k != nil && len(out) < limit; k, v = c.Next() {
			key, next, err := itemSchedule(v)
			if err != nil {
				return fmt.Errorf("decode item %d: %w", fromU64(k), err)
			}
			if blocked[key] {
				continue
			}
			if key != "" {
				blocked[key] = true
			}
			if skipKeys[key] || next.After(now) {
				continue
			}
			it, err := decodeItem(fromU64(k), v)
			if err != nil {
				return err
			}
			out = append(out, it)
		}
		return nil
	})
	return out, err
}

// Done removes item id from the inbox. It returns ErrNotFound (wrapped) if
// the item is not there.
func (s *Store) Done(id uint64) error {
	return s.update(fmt.Sprintf("finish item %d", id), func(tx *bolt.Tx) error {
		return deleteExisting(bucket(tx, bucketInbox), u64(id))
	})
}

// Retry counts a failed attempt of item id and schedules the next one at
// next. lastErr is kept (cut to 2 KiB) for the admin view.
func (s *Store) Retry(id uint64, next time.Time, lastErr string) error {
	if len(lastErr) > maxLastError {
		lastErr = lastErr[:maxLastError]
	}
	return s.update(fmt.Sprintf("reschedule item %d", id), func(tx *bolt.Tx) error {
		inbox := bucket(tx, bucketInbox)
		v := inbox.Get(u64(id))
		if v == nil {
			return ErrNotFound
		}
		it, err := decodeItem(id, v)
		if err != nil {
			return err
		}
		it.Attempts++
		it.NextAttempt, it.LastError = next, lastErr
		return inbox.Put(u64(id), encodeItem(it))
	})
}

// QueueDepth returns the number of items in the inbox.
func (s *Store) QueueDepth() (int, error) {
	var n int
	err := s.view("count inbox", func(tx *bolt.Tx) error {
		n = tx.Bucket(bucketInbox).Stats().KeyN
		return nil
	})
	return n, err
}
