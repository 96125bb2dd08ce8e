package store

import (
	"encoding/binary"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// NoteState is how far the write-back of one notes version to Lever got.
type NoteState int

// Note write-back states, in the order they are reached.
const (
	// NoteIntended is recorded before the Lever note is created, so a crash
	// in between is noticed and the note is looked up, not written twice.
	NoteIntended NoteState = 1
	// NoteWritten means the Lever note exists; LeverNoteID names it.
	NoteWritten NoteState = 2
	// NoteAcked means BrightHire was told about the Lever note.
	NoteAcked NoteState = 3
)

// NoteRecord tracks the write-back of one version of a BrightHire
// interview's notes.
type NoteRecord struct {
	InterviewID   string // BrightHire interview id
	Version       int
	OpportunityID string
	State         NoteState
	LeverNoteID   string
	UpdatedAt     time.Time
}

// noteKey is interview id, NUL, big-endian version: the versions of one
// interview sort together and in order.
func noteKey(interviewID string, version int) []byte {
	k := append([]byte(interviewID), 0)
	return binary.BigEndian.AppendUint64(k, uint64(version))
}

// splitNoteKey reverses noteKey.
func splitNoteKey(k []byte) (interviewID string, version int) {
	if len(k) < 9 {
		return string(k), 0
	}
	return string(k[:len(k)-9]), int(binary.BigEndian.Uint64(k[len(k)-8:]))
}

func encodeNote(r NoteRecord) []byte {
	e := newEncoder(len(r.OpportunityID) + len(r.LeverNoteID) + 16)
	e.str(r.OpportunityID)
	e.uint(uint64(r.State))
	e.str(r.LeverNoteID)
	e.time(r.UpdatedAt)
	return e.buf
}

func decodeNote(interviewID string, version int, v []byte) (NoteRecord, error) {
	d := newDecoder(v)
	r := NoteRecord{InterviewID: interviewID, Version: version, OpportunityID: d.str(),
		State: NoteState(d.uint()), LeverNoteID: d.str(), UpdatedAt: d.time()}
	if d.err != nil {
		return NoteRecord{}, fmt.Errorf("decode note record %s v%d: %w", interviewID, version, d.err)
	}
	return r, nil
}

// NoteRecord returns the record of one notes version.
func (s *Store) NoteRecord(interviewID string, version int) (NoteRecord, bool, error) {
	var r NoteRecord
	var ok bool
	err := s.view("read note record", func(tx *bolt.Tx) error {
		v := tx.Bucket(bucketNotes).Get(noteKey(interviewID, version))
		if v == nil {
			return nil
		}
		var err error
		r, err = decodeNote(interviewID, version, v)
		ok = err == nil
		return err
	})
	return r, ok, err
}

// PutNoteRecord stores r, replacing the record of the same interview and
// version. It does not check that states only move forward.
func (s *Store) PutNoteRecord(r NoteRecord) error {
	if r.InterviewID == "" {
		return fmt.Errorf("put note record: no interview id")
	}
	return s.update("put note record", func(tx *bolt.Tx) error {
		return tx.Bucket(bucketNotes).Put(noteKey(r.InterviewID, r.Version), encodeNote(r))
	})
}

// CountNotes counts note records by state.
func (s *Store) CountNotes() (map[NoteState]int, error) {
	counts := make(map[NoteState]int)
	err := s.view("count note records", func(tx *bolt.Tx) error {
		return tx.Bucket(bucketNotes).ForEach(func(k, v []byte) error {
			id, version := splitNoteKey(k)
			r, err := decodeNote(id, version, v)
			if err != nil {
				return err
			}
			counts[r.State]++
			return nil
		})
	})
	return counts, err
}
