package store

import (
	"errors"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// OpportunityState is what the daemon remembers about a Lever opportunity.
type OpportunityState struct {
	ID        string
	ContactID string
	UpdatedAt int64 // Lever milliseconds since the epoch
	Deleted   bool
}

// forEachPage is how many opportunities ForEachOpportunity reads per
// transaction.
const forEachPage = 500

func encodeOpportunity(o OpportunityState) []byte {
	e := newEncoder(len(o.ContactID) + 12)
	e.str(o.ContactID)
	e.int(o.UpdatedAt)
	e.bool(o.Deleted)
	return e.buf
}

func decodeOpportunity(id string, v []byte) (OpportunityState, error) {
	d := newDecoder(v)
	o := OpportunityState{ID: id, ContactID: d.str(), UpdatedAt: d.int(), Deleted: d.bool()}
	if d.err != nil {
		return OpportunityState{}, fmt.Errorf("decode opportunity %s: %w", id, d.err)
	}
	return o, nil
}

// Opportunity returns the stored state of opportunity id.
func (s *Store) Opportunity(id string) (OpportunityState, bool, error) {
	var o OpportunityState
	var ok bool
	err := s.view("read opportunity "+id, func(tx *bolt.Tx) error {
		v := tx.Bucket(bucketOpps).Get([]byte(id))
		if v == nil {
			return nil
		}
		var err error
		o, err = decodeOpportunity(id, v)
		ok = err == nil
		return err
	})
	return o, ok, err
}

// PutOpportunity stores o, replacing the previous state of o.ID.
func (s *Store) PutOpportunity(o OpportunityState) error {
	if o.ID == "" {
		return errors.New("put opportunity: no id")
	}
	return s.update("put opportunity "+o.ID, func(tx *bolt.Tx) error {
		return tx.Bucket(bucketOpps).Put([]byte(o.ID), encodeOpportunity(o))
	})
}

// ForEachOpportunity calls fn for every stored opportunity in id order and
// stops at fn's first error, which it returns. fn runs outside any
// transaction, so it may call the network or write to the store;
// opportunities added during the walk may or may not be visited.
func (s *Store) ForEachOpportunity(fn func(OpportunityState) error) error {
	var after []byte
	for {
		page, err := s.opportunityPage(after)
		if err != nil || len(page) == 0 {
			return err
		}
		for _, o := range page {
			if err := fn(o); err != nil {
				return err
			}
		}
		after = []byte(page[len(page)-1].ID)
	}
}

// opportunityPage reads up to forEachPage opportunities whose id sorts
// after the given one (from the start when after is nil).
func (s *Store) opportunityPage(after []byte) ([]OpportunityState, error) {
	var page []OpportunityState
	err := s.view("list opportunities", func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketOpps).Cursor()
		k, v := c.First()
		if after != nil {
			if k, v = c.Seek(after); k != nil && string(k) == string(after) {
				k, v = c.Next()
			}
		}
		for ; k != nil && len(page) < forEachPage; k, v = c.Next() {
			o, err := decodeOpportunity(string(k), v)
			if err != nil {
				return err
			}
			page = append(page, o)
		}
		return nil
	})
	return page, err
}

// pushedKey is kind, NUL, id.
func pushedKey(kind, id string) []byte {
	return append(append([]byte(kind), 0), id...)
}

// PushedHash returns the digest last pushed to BrightHire for a record of
// the given kind ("posting", "contact" or "template").
func (s *Store) PushedHash(kind, id string) (string, bool, error) {
	var h string
	var ok bool
	err := s.view("read pushed hash", func(tx *bolt.Tx) error {
		v := tx.Bucket(bucketPushed).Get(pushedKey(kind, id))
		h, ok = string(v), v != nil
		return nil
	})
	return h, ok, err
}

// SetPushedHash records the digest of what was pushed for kind and id.
func (s *Store) SetPushedHash(kind, id, hash string) error {
	return s.update("set pushed hash", func(tx *bolt.Tx) error {
		return tx.Bucket(bucketPushed).Put(pushedKey(kind, id), []byte(hash))
	})
}
