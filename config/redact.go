package config

import (
	"encoding/json"
	"io"
	"maps"
	"slices"

	"github.com/BurntSushi/toml"
)

// Redacted returns the effective configuration keyed like the file, with every secret shown
// as "[redacted]" ("" when unset) and durations as strings. It is what "print the
// configuration" commands should output.
func (c *Config) Redacted() map[string]any {
	return map[string]any{
		"listen": map[string]any{
			"webhooks": c.Listen.Webhooks, "admin": c.Listen.Admin,
			"tls_cert_file": c.Listen.TLSCertFile, "tls_key_file": c.Listen.TLSKeyFile,
		},
		"lever": map[string]any{
			"base_url": c.Lever.BaseURL, "api_key": c.Lever.APIKey.shown(),
			"requests_per_second": c.Lever.RequestsPerSecond, "burst": c.Lever.Burst,
			"note_author": c.Lever.NoteAuthor,
			"webhooks": map[string]any{
				"max_age":        c.Lever.Webhooks.MaxAge.String(),
				"signing_token":  c.Lever.Webhooks.SigningToken.shown(),
				"signing_tokens": redactTokens(c.Lever.Webhooks.SigningTokens),
			},
		},
		"brighthire": map[string]any{
			"base_url": c.BrightHire.BaseURL, "api_token": c.BrightHire.APIToken.shown(),
			"webhook_secret": c.BrightHire.WebhookSecret.shown(), "forward_url": c.BrightHire.ForwardURL,
		},
		"schedule": map[string]any{
			"reconcile": c.Schedule.Reconcile, "full_resync": c.Schedule.FullResync,
			"notes": c.Schedule.Notes,
		},
		"store": map[string]any{"path": c.Store.Path},
		"log":   map[string]any{"level": c.Log.Level, "format": c.Log.Format},
		"daemon": map[string]any{
			"workers": c.Workers, "shutdown_timeout": c.ShutdownTimeout.String(),
			"max_attempts": c.MaxAttempts,
		},
	}
}

// redactTokens shows how many tokens each event has, never their values.
func redactTokens(m map[string][]Secret) map[string][]string {
	out := make(map[string][]string, len(m))
	for _, event := range slices.Sorted(maps.Keys(m)) {
		for _, s := range m[event] {
			out[event] = append(out[event], s.shown())
		}
	}
	return out
}

// MarshalJSON encodes the Redacted view, so a Config marshalled or logged as JSON holds no
// secret.
func (c Config) MarshalJSON() ([]byte, error) { return json.Marshal(c.Redacted()) }

// WriteTOML writes the Redacted view as TOML.
func (c *Config) WriteTOML(w io.Writer) error { return toml.NewEncoder(w).Encode(c.Redacted()) }
