package config

import (
	"encoding/json"
	"fmt"
	"log/slog"
)

// redacted is what every printed form of a set Secret shows.
const redacted = "[redacted]"

// Secret holds a credential. Every way of printing, logging or encoding it shows "[redacted]"
// (or "" when it is unset); only Value reveals it.
type Secret struct {
	value string
}

// NewSecret wraps a credential value.
func NewSecret(v string) Secret { return Secret{value: v} }

// Value returns the credential itself. Never log or print it.
func (s Secret) Value() string { return s.value }

// IsSet reports whether the secret holds a non-empty value.
func (s Secret) IsSet() bool { return s.value != "" }

// Equal reports whether two secrets hold the same value.
func (s Secret) Equal(o Secret) bool { return s.value == o.value }

func (s Secret) shown() string {
	if s.value == "" {
		return ""
	}
	return redacted
}

// String returns "[redacted]", or "" when unset.
func (s Secret) String() string { return s.shown() }

// GoString returns "[redacted]", or "" when unset, so %#v shows no secret.
func (s Secret) GoString() string { return s.shown() }

// Format prints "[redacted]" (or "") for every verb and flag, including %v, %+v, %#v and %x.
func (s Secret) Format(f fmt.State, _ rune) { _, _ = f.Write([]byte(s.shown())) }

// MarshalJSON encodes the secret as the JSON string "[redacted]" (or "").
func (s Secret) MarshalJSON() ([]byte, error) { return json.Marshal(s.shown()) }

// MarshalText encodes the secret as "[redacted]" (or ""), which covers TOML and slog's text form.
func (s Secret) MarshalText() ([]byte, error) { return []byte(s.shown()), nil }

// LogValue makes slog show "[redacted]" (or "") in place of the secret.
func (s Secret) LogValue() slog.Value { return slog.StringValue(s.shown()) }
