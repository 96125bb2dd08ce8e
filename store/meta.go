package store

import (
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Cursor names.
const (
	CursorReconcile  = "reconcile"
	CursorNotes      = "notes"
	CursorFullResync = "full_resync"
)

// Cursor returns the time stored under name.
func (s *Store) Cursor(name string) (time.Time, bool, error) {
	var t time.Time
	var ok bool
	err := s.view("read cursor "+name, func(tx *bolt.Tx) error {
		v := tx.Bucket(bucketCursors).Get([]byte(name))
		if v == nil {
			return nil
		}
		d := newDecoder(v)
		t, ok = d.time(), d.err == nil
		return d.err
	})
	return t, ok, err
}

// SetCursor stores t under name.
func (s *Store) SetCursor(name string, t time.Time) error {
	e := newEncoder(12)
	e.time(t)
	return s.update("set cursor "+name, func(tx *bolt.Tx) error {
		return tx.Bucket(bucketCursors).Put([]byte(name), e.buf)
	})
}

// NeedsFullResync reports whether the store must be filled from Lever from
// scratch: it is true on a brand-new store and after a corrupt file was
// quarantined, until SetNeedsFullResync(false).
func (s *Store) NeedsFullResync() (bool, error) {
	var on bool
	err := s.view("read full resync flag", func(tx *bolt.Tx) error {
		v := tx.Bucket(bucketMeta).Get(keyNeedsResync)
		on = len(v) == 1 && v[0] == 1
		return nil
	})
	return on, err
}

// SetNeedsFullResync sets or clears the full resync flag.
func (s *Store) SetNeedsFullResync(on bool) error {
	v := []byte{0}
	if on {
		v[0] = 1
	}
	return s.update("set full resync flag", func(tx *bolt.Tx) error {
		return tx.Bucket(bucketMeta).Put(keyNeedsResync, v)
	})
}

// WebhookSub is a Lever webhook subscription made by the daemon.
// SigningToken verifies the deliveries and is a secret: it must not be
// logged or printed.
type WebhookSub struct {
	ID           string
	Event        string
	URL          string
	SigningToken string
	CreatedAt    time.Time
}

func encodeWebhook(w WebhookSub) []byte {
	e := newEncoder(len(w.Event) + len(w.URL) + len(w.SigningToken) + 16)
	e.str(w.Event)
	e.str(w.URL)
	e.str(w.SigningToken)
	e.time(w.CreatedAt)
	return e.buf
}

// decodeWebhook's errors name the subscription id, never the token.
func decodeWebhook(id string, v []byte) (WebhookSub, error) {
	d := newDecoder(v)
	w := WebhookSub{ID: id, Event: d.str(), URL: d.str(), SigningToken: d.str(),
		CreatedAt: d.time()}
	if d.err != nil {
		return WebhookSub{}, fmt.Errorf("decode webhook %s: %w", id, d.err)
	}
	return w, nil
}

// PutWebhook stores w, replacing the subscription with the same id.
func (s *Store) PutWebhook(w WebhookSub) error {
	if w.ID == "" {
		return fmt.Errorf("put webhook: no id")
	}
	return s.update("put webhook "+w.ID, func(tx *bolt.Tx) error {
		return tx.Bucket(bucketWebhooks).Put([]byte(w.ID), encodeWebhook(w))
	})
}

// Webhooks returns every stored subscription in id order.
func (s *Store) Webhooks() ([]WebhookSub, error) {
	var out []WebhookSub
	err := s.view("list webhooks", func(tx *bolt.Tx) error {
		return tx.Bucket(bucketWebhooks).ForEach(func(k, v []byte) error {
			w, err := decodeWebhook(string(k), v)
			out = append(out, w)
			return err
		})
	})
	return out, err
}

// DeleteWebhook removes subscription id; ErrNotFound (wrapped) if absent.
func (s *Store) DeleteWebhook(id string) error {
	return s.update("delete webhook "+id, func(tx *bolt.Tx) error {
		return deleteExisting(tx.Bucket(bucketWebhooks), []byte(id))
	})
}
