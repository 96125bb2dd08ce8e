package store

import (
	"time"

	bolt "go.etcd.io/bbolt"
)

// Seen reports whether Ingest has recorded dedupeKey.
func (s *Store) Seen(dedupeKey string) (bool, error) {
	var ok bool
	err := s.view("read seen mark", func(tx *bolt.Tx) error {
		ok = tx.Bucket(bucketSeen).Get([]byte(dedupeKey)) != nil
		return nil
	})
	return ok, err
}

// PruneSeen forgets dedupe keys first seen before olderThan and returns
// how many it removed. A delivery replayed after its key was pruned is
// ingested again.
func (s *Store) PruneSeen(olderThan time.Time) (int, error) {
	var n int
	err := s.update("prune seen marks", func(tx *bolt.Tx) error {
		seen := tx.Bucket(bucketSeen)

		// Keys are collected first: deleting under a cursor that is
		// walking the same bucket makes bbolt skip entries.
		var old [][]byte
		err := seen.ForEach(func(k, v []byte) error {
			if valueTime(v).Before(olderThan) {
				old = append(old, append([]byte(nil), k...))
			}
			return nil
		})
		if err != nil {
			return err
		}
		for _, k := range old {
			if err := seen.Delete(k); err != nil {
				return err
			}
		}
		n = len(old)
		return nil
	})
	return n, err
}
