package store

import (
	"bytes"
	"errors"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// InterviewLink ties a Lever interview to the BrightHire interview created
// for it. Hash is the digest of what was last pushed, so unchanged
// interviews are not pushed again.
type InterviewLink struct {
	InterviewID   string
	OpportunityID string
	BrightHireID  string
	Hash          string
	UpdatedAt     time.Time
	// Deleted marks a tombstone: the interview was deleted in Lever. The
	// link is kept so a late event cannot bring the interview back.
	Deleted bool
}

// errNoInterviewID rejects a link without its key.
var errNoInterviewID = errors.New("interview link has no interview id")

// oppKey is the index key opportunity id, NUL, interview id. Lever ids
// contain no NUL, so a prefix scan on opportunity id + NUL is exact.
func oppKey(opportunityID, interviewID string) []byte {
	k := make([]byte, 0, len(opportunityID)+1+len(interviewID))
	k = append(k, opportunityID...)
	k = append(k, 0)
	return append(k, interviewID...)
}

func encodeLink(l InterviewLink) []byte {
	e := newEncoder(len(l.OpportunityID) + len(l.BrightHireID) + len(l.Hash) + 16)
	e.str(l.OpportunityID)
	e.str(l.BrightHireID)
	e.str(l.Hash)
	e.time(l.UpdatedAt)
	e.bool(l.Deleted)
	return e.buf
}

func decodeLink(id string, v []byte) (InterviewLink, error) {
	d := newDecoder(v)
	l := InterviewLink{InterviewID: id, OpportunityID: d.str(), BrightHireID: d.str(),
		Hash: d.str(), UpdatedAt: d.time(), Deleted: d.bool()}
	if d.err != nil {
		return InterviewLink{}, fmt.Errorf("decode interview link %s: %w", id, d.err)
	}
	return l, nil
}

// getLink reads a link inside tx.
func getLink(tx *bolt.Tx, id string) (InterviewLink, bool, error) {
	v := tx.Bucket(bucketLinks).Get([]byte(id))
	if v == nil {
		return InterviewLink{}, false, nil
	}
	l, err := decodeLink(id, v)
	return l, err == nil, err
}

// InterviewLink returns the link of a Lever interview, tombstones included.
func (s *Store) InterviewLink(id string) (InterviewLink, bool, error) {
	var l InterviewLink
	var ok bool
	err := s.view("read interview link", func(tx *bolt.Tx) error {
		var err error
		l, ok, err = getLink(tx, id)
		return err
	})
	return l, ok, err
}

// PutInterviewLink stores l, replacing any link of the same interview, and
// keeps the opportunity and BrightHire indexes in step with it.
func (s *Store) PutInterviewLink(l InterviewLink) error {
	if l.InterviewID == "" {
		return fmt.Errorf("put interview link: %w", errNoInterviewID)
	}
	return s.update("put interview link "+l.InterviewID, func(tx *bolt.Tx) error {
		return putLink(tx, l)
	})
}

// putLink removes the index entries of the previous version of the link
// that l no longer matches, then writes l.
func putLink(tx *bolt.Tx, l InterviewLink) error {
	old, ok, err := getLink(tx, l.InterviewID)
	if err != nil {
		return err
	}
	if ok && old.OpportunityID != l.OpportunityID && old.OpportunityID != "" {
		if err := tx.Bucket(bucketLinkOpp).Delete(oppKey(old.OpportunityID, old.InterviewID)); err != nil {
			return err
		}
	}
	if ok && old.BrightHireID != l.BrightHireID && old.BrightHireID != "" {
		if err := unindexBrightHire(tx, old); err != nil {
			return err
		}
	}
	return writeLink(tx, l)
}

// unindexBrightHire drops the BrightHire index entry of l if it still
// points at l's interview.
func unindexBrightHire(tx *bolt.Tx, l InterviewLink) error {
	idx := tx.Bucket(bucketLinkBH)
	if string(idx.Get([]byte(l.BrightHireID))) != l.InterviewID {
		return nil
	}
	return idx.Delete([]byte(l.BrightHireID))
}

// writeLink writes l and its index entries without looking at what was
// stored before.
func writeLink(tx *bolt.Tx, l InterviewLink) error {
	if err := tx.Bucket(bucketLinks).Put([]byte(l.InterviewID), encodeLink(l)); err != nil {
		return err
	}
	if l.OpportunityID != "" {
		if err := tx.Bucket(bucketLinkOpp).Put(oppKey(l.OpportunityID, l.InterviewID), []byte{}); err != nil {
			return err
		}
	}
	if l.BrightHireID == "" {
		return nil
	}
	return tx.Bucket(bucketLinkBH).Put([]byte(l.BrightHireID), []byte(l.InterviewID))
}

// TombstoneInterview marks the link of interview id deleted as of at and
// keeps it. An interview without a link gets a tombstone of its own, so a
// late create or update for it is recognised as stale.
func (s *Store) TombstoneInterview(id string, at time.Time) error {
	if id == "" {
		return fmt.Errorf("tombstone interview: %w", errNoInterviewID)
	}
	return s.update("tombstone interview "+id, func(tx *bolt.Tx) error {
		l, _, err := getLink(tx, id)
		if err != nil {
			return err
		}
		l.InterviewID, l.Deleted, l.UpdatedAt = id, true, at
		return writeLink(tx, l)
	})
}

// InterviewsOf returns the links of an opportunity's interviews, tombstones
// included, ordered by interview id.
func (s *Store) InterviewsOf(opportunityID string) ([]InterviewLink, error) {
	var out []InterviewLink
	prefix := oppKey(opportunityID, "")
	err := s.view("list interviews of "+opportunityID, func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketLinkOpp).Cursor()
		for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
			l, ok, err := getLink(tx, string(k[len(prefix):]))
			if err != nil {
				return err
			}
			if ok {
				out = append(out, l)
			}
		}
		return nil
	})
	return out, err
}

// LinkByBrightHireID finds the link whose BrightHire interview id is bhID.
func (s *Store) LinkByBrightHireID(bhID string) (InterviewLink, bool, error) {
	var l InterviewLink
	var ok bool
	err := s.view("find link by brighthire id", func(tx *bolt.Tx) error {
		id := tx.Bucket(bucketLinkBH).Get([]byte(bhID))
		if id == nil {
			return nil
		}
		var err error
		l, ok, err = getLink(tx, string(id))
		return err
	})
	return l, ok, err
}

// CountInterviews counts live links and tombstones. It reads every link.
func (s *Store) CountInterviews() (live, tombstones int, err error) {
	err = s.view("count interviews", func(tx *bolt.Tx) error {
		return tx.Bucket(bucketLinks).ForEach(func(k, v []byte) error {
			l, err := decodeLink(string(k), v)
			if err != nil {
				return err
			}
			if l.Deleted {
				tombstones++
			} else {
				live++
			}
			return nil
		})
	})
	return live, tombstones, err
}
