package store

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// writeV1 lays out a schema version 1 file by hand: links as JSON, a
// BrightHire index, and no opportunity index.
func writeV1(t *testing.T, path string, version uint64, links map[string]linkV1) {
	t.Helper()
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	err = db.Update(func(tx *bolt.Tx) error {
		meta, _ := tx.CreateBucket(bucketMeta)
		if err := meta.Put(keySchemaVersion, u64(version)); err != nil {
			return err
		}
		lb, _ := tx.CreateBucket(bucketLinks)
		bh, _ := tx.CreateBucket(bucketLinkBH)
		for id, l := range links {
			v, _ := json.Marshal(l)
			if err := lb.Put([]byte(id), v); err != nil {
				return err
			}
			if err := bh.Put([]byte(l.BrightHireID), []byte(id)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestOpen_SchemaV1_Migrates(t *testing.T) {
	path := filepath.Join(t.TempDir(), "v1.db")
	at := time.Date(2024, 6, 1, 12, 0, 0, 0, time.UTC)
	writeV1(t, path, 1, map[string]linkV1{
		"iv1": {OpportunityID: "opp1", BrightHireID: "bh1", Hash: "h1", UpdatedAt: at},
		"iv2": {OpportunityID: "opp1", BrightHireID: "bh2", Deleted: true},
		"iv3": {OpportunityID: "opp2", BrightHireID: "bh3"},
	})

	s := openAt(t, path)

	if v, err := s.SchemaVersion(); err != nil || v != 2 {
		t.Fatalf("SchemaVersion: got %d, %v, want 2", v, err)
	}
	got, err := s.InterviewsOf("opp1")
	if err != nil || linkIDs(got) != "[iv1 iv2]" {
		t.Fatalf("InterviewsOf(opp1): got %s, %v, want [iv1 iv2]", linkIDs(got), err)
	}
	want := InterviewLink{InterviewID: "iv1", OpportunityID: "opp1", BrightHireID: "bh1",
		Hash: "h1", UpdatedAt: at}
	if got[0] != want || !got[1].Deleted {
		t.Fatalf("migrated links: got %+v, want first %+v", got, want)
	}
	if l, ok, _ := s.LinkByBrightHireID("bh3"); !ok || l.OpportunityID != "opp2" {
		t.Fatalf("LinkByBrightHireID(bh3): got %+v, %v", l, ok)
	}
	if on, _ := s.NeedsFullResync(); on {
		t.Fatalf("NeedsFullResync after migration: got true, want false")
	}
	if n, err := s.QueueDepth(); err != nil || n != 0 {
		t.Fatalf("inbox created by migration: got %d, %v", n, err)
	}
}

func TestOpen_SchemaTooNew_Refuses(t *testing.T) {
	path := filepath.Join(t.TempDir(), "v9.db")
	writeV1(t, path, 9, nil)

	_, err := Open(path, Options{})
	if err == nil || !strings.Contains(err.Error(), "schema version 9") {
		t.Fatalf("Open: got %v, want a schema version error", err)
	}
}

func TestOpen_ForeignBoltFile_Refuses(t *testing.T) {
	path := filepath.Join(t.TempDir(), "other.db")
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		_, err := tx.CreateBucket([]byte("someone_else"))
		return err
	})
	if err != nil || db.Close() != nil {
		t.Fatal(err)
	}

	if _, err := Open(path, Options{}); err == nil || !strings.Contains(err.Error(), "not a leverbright store") {
		t.Fatalf("Open: got %v, want not a leverbright store", err)
	}
}
