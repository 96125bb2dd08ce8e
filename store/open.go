package store

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"runtime/debug"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

// errCorrupt marks a store file that failed to open or to verify.
var errCorrupt = errors.New("store file is corrupt")

// checkLimit is the largest file that gets bbolt's full page check at
// open; larger files only get their bucket roots walked.
const checkLimit = 16 << 20

// batchDelay is how long Ingest waits for other deliveries to share its
// commit. bbolt's default of 10ms cost a lone writer more than its fsync
// did in BenchmarkStore_Ingest; 2ms still groups 64 writers well.
const batchDelay = 2 * time.Millisecond

// quarantineTime is the layout of the UTC time quarantine appends.
const quarantineTime = "20060102T150405Z"

// Open opens or creates the store file at path with mode 0600.
//
// If another process holds the file, Open gives up after LockTimeout with
// an error wrapping ErrLocked. If the file is corrupt or truncated it is
// renamed to <path>.corrupt-<UTC time>, an error is logged, and a fresh
// store is created. A fresh store reports NeedsFullResync so that the
// daemon backfills it. Schema migrations run before Open returns.
func Open(path string, opts Options) (*Store, error) {
	opts = opts.withDefaults()
	s := &Store{path: path, opts: opts, log: opts.Logger.With("component", "store")}

	db, err := s.openDB()
	if errors.Is(err, errCorrupt) {
		if err := s.quarantine(err); err != nil {
			return nil, err
		}
		db, err = s.openDB()
	}
	if err != nil {
		return nil, err
	}
	s.db = db
	s.db.MaxBatchDelay = batchDelay

	if err := s.db.Update(s.initialize); err != nil {
		_ = s.db.Close()
		return nil, fmt.Errorf("initialize store %s: %w", path, err)
	}
	return s, nil
}

// openDB opens the bbolt file and verifies it. Errors that mean the file
// content is damaged wrap errCorrupt; the caller quarantines on those.
func (s *Store) openDB() (*bolt.DB, error) {
	var db *bolt.DB
	err := guard(func() error {
		var err error
		db, err = bolt.Open(s.path, 0o600, &bolt.Options{Timeout: s.opts.LockTimeout})
		return err
	})
	switch {
	case errors.Is(err, berrors.ErrTimeout):
		return nil, fmt.Errorf("open store %s: %w", s.path, ErrLocked)
	case errors.Is(err, errCorrupt):
		return nil, fmt.Errorf("open store %s: %w", s.path, err)
	case err != nil && isDamage(err):
		return nil, fmt.Errorf("open store %s: %w: %w", s.path, errCorrupt, err)
	case err != nil:
		return nil, fmt.Errorf("open store %s: %w", s.path, err)
	}

	if err := guard(func() error { return verify(db) }); err != nil {
		_ = guard(db.Close)
		if !errors.Is(err, errCorrupt) {
			err = fmt.Errorf("%w: %w", errCorrupt, err)
		}
		return nil, fmt.Errorf("verify store %s: %w", s.path, err)
	}
	return db, nil
}

// isDamage tells errors about the file's content from errors about the
// file system (missing directory, permissions), which must not lead to
// quarantine.
func isDamage(err error) bool {
	var pathErr *fs.PathError
	if errors.As(err, &pathErr) {
		return false
	}
	return errors.Is(err, berrors.ErrInvalid) ||
		errors.Is(err, berrors.ErrVersionMismatch) || errors.Is(err, berrors.ErrChecksum) ||
		errors.Is(err, berrors.ErrInvalidMapping)
}

// verify checks that the data the meta page promises lies inside the file,
// reads the first and last key of every bucket, and for small files runs
// bbolt's full consistency check.
func verify(db *bolt.DB) error {
	fi, err := os.Stat(db.Path())
	if err != nil {
		return err
	}
	return db.View(func(tx *bolt.Tx) error {
		if tx.Size() > fi.Size() {
			return fmt.Errorf("file has %d bytes, its meta page needs %d", fi.Size(), tx.Size())
		}
		err := tx.ForEach(func(_ []byte, b *bolt.Bucket) error {
			c := b.Cursor()
			c.First()
			c.Last()
			return nil
		})
		if err != nil || fi.Size() > checkLimit {
			return err
		}
		return firstError(tx.Check())
	})
}

// firstError drains ch, which must be read to the end so that the checking
// goroutine finishes before the transaction closes.
func firstError(ch <-chan error) error {
	var first error
	for err := range ch {
		if first == nil {
			first = err
		}
	}
	return first
}

// guard runs fn and turns a panic, including a memory fault on a truncated
// memory map, into an error wrapping errCorrupt.
func guard(fn func() error) (err error) {
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("%w: %v", errCorrupt, p)
		}
	}()
	return fn()
}

// quarantine renames the damaged file aside so a fresh one can take its
// place. The old file is kept for inspection.
func (s *Store) quarantine(cause error) error {
	aside := s.path + ".corrupt-" + s.opts.Now().UTC().Format(quarantineTime)
	if err := os.Rename(s.path, aside); err != nil {
		return fmt.Errorf("quarantine store %s: %w", s.path, err)
	}
	s.log.Error("store file is corrupt; moved aside, starting a fresh store and a full resync",
		"path", s.path, "quarantined_as", aside, "err", cause)
	return nil
}
