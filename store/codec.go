package store

import (
	"encoding/binary"
	"errors"
	"time"
)

// recordVersion is the first byte of every encoded value, so that a later
// layout can be told apart from this one without a schema migration.
const recordVersion = 1

// errBadRecord reports a stored value that cannot be decoded.
var errBadRecord = errors.New("malformed record")

// encoder appends a compact binary form: uvarint lengths, varint numbers,
// one presence byte per time. It keeps values far below what JSON would
// take, which matters at 100,000 interview links.
type encoder struct{ buf []byte }

func newEncoder(sizeHint int) *encoder {
	e := &encoder{buf: make([]byte, 0, sizeHint+16)}
	e.buf = append(e.buf, recordVersion)
	return e
}

func (e *encoder) uint(v uint64) { e.buf = binary.AppendUvarint(e.buf, v) }

func (e *encoder) int(v int64) { e.buf = binary.AppendVarint(e.buf, v) }

func (e *encoder) str(s string) {
	e.uint(uint64(len(s)))
	e.buf = append(e.buf, s...)
}

func (e *encoder) bytes(b []byte) {
	e.uint(uint64(len(b)))
	e.buf = append(e.buf, b...)
}

func (e *encoder) bool(b bool) {
	if b {
		e.buf = append(e.buf, 1)
		return
	}
	e.buf = append(e.buf, 0)
}

func (e *encoder) time(t time.Time) {
	if t.IsZero() {
		e.buf = append(e.buf, 0)
		return
	}
	e.buf = append(e.buf, 1)
	e.int(t.UnixNano())
}

// decoder reads what encoder wrote. The first failure sticks in err and
// turns every later read into a zero value. Strings and byte slices are
// copied, so a decoded value outlives the transaction it was read in.
type decoder struct {
	buf []byte
	err error
}

func newDecoder(b []byte) *decoder {
	d := &decoder{buf: b}
	if len(b) == 0 || b[0] != recordVersion {
		d.err = errBadRecord
		return d
	}
	d.buf = b[1:]
	return d
}

func (d *decoder) uint() uint64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Uvarint(d.buf)
	if n <= 0 {
		d.err = errBadRecord
		return 0
	}
	d.buf = d.buf[n:]
	return v
}

func (d *decoder) int() int64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Varint(d.buf)
	if n <= 0 {
		d.err = errBadRecord
		return 0
	}
	d.buf = d.buf[n:]
	return v
}

func (d *decoder) raw() []byte {
	n := d.uint()
	if d.err != nil || n > uint64(len(d.buf)) {
		d.err = errBadRecord
		return nil
	}
	b := d.buf[:n:n]
	d.buf = d.buf[n:]
	return b
}

func (d *decoder) str() string { return string(d.raw()) }

func (d *decoder) bytes() []byte {
	b := d.raw()
	if len(b) == 0 {
		return nil
	}
	return append([]byte(nil), b...)
}

func (d *decoder) bool() bool {
	if d.err != nil || len(d.buf) == 0 || d.buf[0] > 1 {
		d.err = errBadRecord
		return false
	}
	v := d.buf[0] == 1
	d.buf = d.buf[1:]
	return v
}

func (d *decoder) time() time.Time {
	if !d.bool() {
		return time.Time{}
	}
	return time.Unix(0, d.int()).UTC()
}

// u64 is the big-endian form of v, so byte order equals numeric order.
func u64(v uint64) []byte {
	return binary.BigEndian.AppendUint64(make([]byte, 0, 8), v)
}

// fromU64 reads a key written by u64; a short key reads as 0.
func fromU64(b []byte) uint64 {
	if len(b) != 8 {
		return 0
	}
	return binary.BigEndian.Uint64(b)
}

// timeValue encodes t as big-endian Unix nanoseconds.
func timeValue(t time.Time) []byte { return u64(uint64(t.UnixNano())) }

// valueTime decodes what timeValue wrote.
func valueTime(b []byte) time.Time { return time.Unix(0, int64(fromU64(b))).UTC() }
