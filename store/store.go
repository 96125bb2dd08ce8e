// Package store keeps leverbright's durable state in one bbolt file: the
// inbox of deliveries and work items, dead letters, the seen set used for
// webhook dedupe, interview links, note write-back records, cursors and
// webhook subscriptions.
//
// Every method runs its own transaction and returns copies, so nothing a
// caller holds points into the memory-mapped file.
package store

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sync/atomic"
	"time"

	bolt "go.etcd.io/bbolt"
)

var (
	// ErrLocked is returned (wrapped) by Open when another process or
	// another Store in this process holds the file lock.
	ErrLocked = errors.New("another leverbright instance holds the store file")

	// ErrNotFound is returned (wrapped) when an id names no record.
	ErrNotFound = errors.New("store: not found")
)

// Bucket names. All of them are created in one transaction at open.
var (
	bucketMeta     = []byte("meta")
	bucketInbox    = []byte("inbox")
	bucketDead     = []byte("dead_letters")
	bucketSeen     = []byte("seen")
	bucketLinks    = []byte("interview_links")
	bucketLinkOpp  = []byte("interview_links_by_opportunity")
	bucketLinkBH   = []byte("interview_links_by_brighthire")
	bucketOpps     = []byte("opportunities")
	bucketPushed   = []byte("pushed_hashes")
	bucketNotes    = []byte("notes")
	bucketCursors  = []byte("cursors")
	bucketWebhooks = []byte("webhooks")
	allBuckets     = [][]byte{bucketMeta, bucketInbox, bucketDead, bucketSeen, bucketLinks,
		bucketLinkOpp, bucketLinkBH, bucketOpps, bucketPushed, bucketNotes, bucketCursors,
		bucketWebhooks}
	appendOnlyBuckets = [][]byte{bucketInbox, bucketDead}
)

// appendFillPercent packs pages of buckets whose keys only grow; bbolt's
// default of one half would leave every inbox page half empty.
const appendFillPercent = 0.95

// Options tunes Open. The zero value is usable.
type Options struct {
	// LockTimeout bounds the wait for the file lock; default 1s.
	LockTimeout time.Duration
	// Logger receives open, quarantine and migration events; default discards.
	Logger *slog.Logger
	// Now is the clock for ReceivedAt, seen marks and dead-letter times.
	Now func() time.Time
	// NoBatch makes Ingest use one write transaction per call instead of
	// group commit. It exists as a benchmark baseline.
	NoBatch bool
}

func (o Options) withDefaults() Options {
	if o.LockTimeout <= 0 {
		o.LockTimeout = time.Second
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return o
}

// Store is an open store file. Its methods are safe for concurrent use.
type Store struct {
	db   *bolt.DB
	path string
	opts Options
	log  *slog.Logger

	// batchHook, when set by tests, runs at the end of every Ingest batch
	// function; an error makes bbolt roll back and run the function again.
	batchHook func(dedupeKey string) error

	// ingesting counts Ingest calls in progress: a lone one commits at once instead of
	// waiting for company in a batch.
	ingesting atomic.Int32
}

// Path returns the file the store was opened from.
func (s *Store) Path() string { return s.path }

// Close waits for running transactions, then releases the file lock.
// Calls made after Close, including Ingest calls still waiting for their
// group commit, fail.
func (s *Store) Close() error {
	if err := s.db.Close(); err != nil {
		return fmt.Errorf("close store %s: %w", s.path, err)
	}
	return nil
}

// Backup writes a consistent copy of the live store to w and returns the
// number of bytes written. Writers are not blocked while it runs.
func (s *Store) Backup(w io.Writer) (int64, error) {
	var n int64
	err := s.db.View(func(tx *bolt.Tx) error {
		var err error
		n, err = tx.WriteTo(w)
		return err
	})
	if err != nil {
		return n, fmt.Errorf("back up store: %w", err)
	}
	return n, nil
}

// FileSize returns the size of the store file in bytes, or 0 if it cannot
// be read.
func (s *Store) FileSize() int64 {
	fi, err := os.Stat(s.path)
	if err != nil {
		return 0
	}
	return fi.Size()
}

// deleteExisting deletes key from b, or returns ErrNotFound when it is not there.
func deleteExisting(b *bolt.Bucket, key []byte) error {
	if b.Get(key) == nil {
		return ErrNotFound
	}
	return b.Delete(key)
}

// bucket returns the named bucket of tx with the fill percent its key
// pattern calls for. The buckets exist once Open has returned.
func bucket(tx *bolt.Tx, name []byte) *bolt.Bucket {
	b := tx.Bucket(name)
	for _, a := range appendOnlyBuckets {
		if string(a) == string(name) && b != nil {
			b.FillPercent = appendFillPercent
		}
	}
	return b
}

// update runs fn in a write transaction and wraps its error with what.
func (s *Store) update(what string, fn func(*bolt.Tx) error) error {
	if err := s.db.Update(fn); err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	return nil
}

// view runs fn in a read transaction and wraps its error with what.
func (s *Store) view(what string, fn func(*bolt.Tx) error) error {
	if err := s.db.View(fn); err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	return nil
}
