package store

import (
	"encoding/json"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// schemaVersion is the layout this build reads and writes.
//
// Version 1 stored interview links as JSON and had no index from an
// opportunity to its interviews. Version 2 stores links in the compact
// binary form and keeps that index.
const schemaVersion = 2

// Keys of the meta bucket.
var (
	keySchemaVersion = []byte("schema_version")
	keyNeedsResync   = []byte("needs_full_resync")
)

// migrations maps a schema version to the step that lifts a store from it
// to the next version. Each step runs inside the open transaction, after
// every bucket of the current layout has been created.
var migrations = map[int]func(*bolt.Tx) error{
	1: migrateLinksV1,
}

// initialize creates a brand-new store, or makes sure every bucket of an
// existing one exists and migrates it to schemaVersion.
func (s *Store) initialize(tx *bolt.Tx) error {
	meta := tx.Bucket(bucketMeta)
	if meta == nil {
		return s.create(tx)
	}

	from := int(fromU64(meta.Get(keySchemaVersion)))
	if from < 1 || from > schemaVersion {
		return fmt.Errorf("schema version %d is not between 1 and %d", from, schemaVersion)
	}
	if err := createBuckets(tx); err != nil {
		return err
	}
	for v := from; v < schemaVersion; v++ {
		if err := migrations[v](tx); err != nil {
			return fmt.Errorf("migrate schema %d to %d: %w", v, v+1, err)
		}
		s.log.Info("migrated store schema", "path", s.path, "from", v, "to", v+1)
	}
	return tx.Bucket(bucketMeta).Put(keySchemaVersion, u64(schemaVersion))
}

// create lays out an empty file. A bbolt file that has buckets but no meta
// bucket belongs to some other program and is left alone.
func (s *Store) create(tx *bolt.Tx) error {
	if name, _ := tx.Cursor().First(); name != nil {
		return fmt.Errorf("file has bucket %q but no %q bucket: not a leverbright store",
			name, bucketMeta)
	}
	if err := createBuckets(tx); err != nil {
		return err
	}

	meta := tx.Bucket(bucketMeta)
	if err := meta.Put(keySchemaVersion, u64(schemaVersion)); err != nil {
		return err
	}
	s.log.Info("created store; a full resync will fill it", "path", s.path)
	return meta.Put(keyNeedsResync, []byte{1})
}

func createBuckets(tx *bolt.Tx) error {
	for _, name := range allBuckets {
		if _, err := tx.CreateBucketIfNotExists(name); err != nil {
			return fmt.Errorf("create bucket %s: %w", name, err)
		}
	}
	return nil
}

// SchemaVersion returns the layout version recorded in the file. After a
// successful Open it equals the version this build writes.
func (s *Store) SchemaVersion() (int, error) {
	var v int
	err := s.view("read schema version", func(tx *bolt.Tx) error {
		v = int(fromU64(tx.Bucket(bucketMeta).Get(keySchemaVersion)))
		return nil
	})
	return v, err
}

// linkV1 is an interview link as schema version 1 stored it.
type linkV1 struct {
	OpportunityID string    `json:"opportunity_id"`
	BrightHireID  string    `json:"brighthire_id"`
	Hash          string    `json:"hash"`
	UpdatedAt     time.Time `json:"updated_at"`
	Deleted       bool      `json:"deleted"`
}

// migrateLinksV1 re-encodes every JSON link compactly and builds the
// opportunity index. Values are collected first because bbolt forbids
// writing to a bucket while ForEach walks it.
func migrateLinksV1(tx *bolt.Tx) error {
	links := tx.Bucket(bucketLinks)
	var converted []InterviewLink
	err := links.ForEach(func(k, v []byte) error {
		var old linkV1
		if err := json.Unmarshal(v, &old); err != nil {
			return fmt.Errorf("decode version 1 link %s: %w", k, err)
		}
		converted = append(converted, InterviewLink{InterviewID: string(k),
			OpportunityID: old.OpportunityID, BrightHireID: old.BrightHireID,
			Hash: old.Hash, UpdatedAt: old.UpdatedAt, Deleted: old.Deleted})
		return nil
	})
	if err != nil {
		return err
	}

	for _, l := range converted {
		if err := writeLink(tx, l); err != nil {
			return err
		}
	}
	return nil
}
