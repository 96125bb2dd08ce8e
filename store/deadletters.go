package store

import (
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// DeadLetter is an inbox item the daemon gave up on, kept for an operator.
type DeadLetter struct {
	Item
	Reason string
	DeadAt time.Time
}

func encodeDeadLetter(d DeadLetter) []byte {
	e := newEncoder(len(d.Reason) + 16)
	e.str(d.Reason)
	e.time(d.DeadAt)
	e.bytes(encodeItem(d.Item))
	return e.buf
}

func decodeDeadLetter(id uint64, v []byte) (DeadLetter, error) {
	d := newDecoder(v)
	dl := DeadLetter{Reason: d.str(), DeadAt: d.time()}
	raw := d.raw()
	if d.err != nil {
		return DeadLetter{}, fmt.Errorf("decode dead letter %d: %w", id, d.err)
	}
	it, err := decodeItem(id, raw)
	dl.Item = it
	return dl, err
}

// DeadLetter moves item id from the inbox to the dead letters, keeping its
// id, with reason and the current time.
func (s *Store) DeadLetter(id uint64, reason string) error {
	now := s.opts.Now()
	return s.update(fmt.Sprintf("dead-letter item %d", id), func(tx *bolt.Tx) error {
		inbox := bucket(tx, bucketInbox)
		v := inbox.Get(u64(id))
		if v == nil {
			return ErrNotFound
		}
		it, err := decodeItem(id, v)
		if err != nil {
			return err
		}
		dl := DeadLetter{Item: it, Reason: reason, DeadAt: now}
		if err := bucket(tx, bucketDead).Put(u64(id), encodeDeadLetter(dl)); err != nil {
			return err
		}
		return inbox.Delete(u64(id))
	})
}

// DeadLetters returns every dead letter, oldest item first.
func (s *Store) DeadLetters() ([]DeadLetter, error) {
	var out []DeadLetter
	err := s.view("list dead letters", func(tx *bolt.Tx) error {
		return tx.Bucket(bucketDead).ForEach(func(k, v []byte) error {
			dl, err := decodeDeadLetter(fromU64(k), v)
			out = append(out, dl)
			return err
		})
	})
	return out, err
}

// DeadLetterCount returns the number of dead letters.
func (s *Store) DeadLetterCount() (int, error) {
	var n int
	err := s.view("count dead letters", func(tx *bolt.Tx) error {
		n = tx.Bucket(bucketDead).Stats().KeyN
		return nil
	})
	return n, err
}

// RetryDeadLetter puts dead letter id back at the end of the inbox under a
// new id, with no attempts, no error and no delay.
func (s *Store) RetryDeadLetter(id uint64) error {
	now := s.opts.Now()
	return s.update(fmt.Sprintf("retry dead letter %d", id), func(tx *bolt.Tx) error {
		return requeue(tx, now, id)
	})
}

// requeue moves one dead letter back to the inbox inside tx.
func requeue(tx *bolt.Tx, now time.Time, id uint64) error {
	dead := bucket(tx, bucketDead)
	v := dead.Get(u64(id))
	if v == nil {
		return ErrNotFound
	}
	dl, err := decodeDeadLetter(id, v)
	if err != nil {
		return err
	}
	it := dl.Item
	it.Attempts, it.NextAttempt, it.LastError = 0, time.Time{}, ""
	if err := appendItems(tx, now, []Item{it}); err != nil {
		return err
	}
	return dead.Delete(u64(id))
}

// RetryAllDeadLetters requeues every dead letter, in id order, in one
// transaction, and returns how many it moved.
func (s *Store) RetryAllDeadLetters() (int, error) {
	now := s.opts.Now()
	var n int
	err := s.update("retry all dead letters", func(tx *bolt.Tx) error {
		n = 0
		var ids []uint64
		if err := tx.Bucket(bucketDead).ForEach(func(k, _ []byte) error {
			ids = append(ids, fromU64(k))
			return nil
		}); err != nil {
			return err
		}
		for _, id := range ids {
			if err := requeue(tx, now, id); err != nil {
				return err
			}
			n++
		}
		return nil
	})
	return n, err
}

// DropDeadLetter deletes dead letter id for good.
func (s *Store) DropDeadLetter(id uint64) error {
	return s.update(fmt.Sprintf("drop dead letter %d", id), func(tx *bolt.Tx) error {
		return deleteExisting(bucket(tx, bucketDead), u64(id))
	})
}
