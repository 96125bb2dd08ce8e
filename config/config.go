// Package config loads, validates and watches the leverbright configuration file.
//
// The file is TOML and strict: unknown keys, wrong types and values outside their rules are
// errors, and every problem is reported at once with its file, line and key. Credentials are
// held in Secret, which never prints its value, and may come from files (systemd credentials
// included) through the *_file form of each key.
package config

import (
	"crypto/sha256"
	"fmt"
	"os"
	"slices"
	"time"
)

// DefaultFile is the configuration path used when $LEVERBRIGHT_CONFIG is unset.
const DefaultFile = "/etc/leverbright/config.toml"

// Config is the validated configuration. Obtain it from Load or Parse; Default gives the
// defaults every unset key takes.
type Config struct {
	Path       string // file the configuration was read from
	Listen     Listen
	Lever      Lever
	BrightHire BrightHire
	Schedule   Schedule
	Store      Store
	Log        Log

	Workers         int           // [daemon] workers: concurrent sync workers
	ShutdownTimeout time.Duration // [daemon] shutdown_timeout: limit for a graceful stop
	MaxAttempts     int           // [daemon] max_attempts: tries before an item is dead-lettered

	hash     [32]byte
	warnings []string
}

// Listen is the [listen] section: the addresses the daemon serves on.
type Listen struct {
	Webhooks    string // address of the public webhook receiver
	Admin       string // address of the admin API, health and metrics
	TLSCertFile string // PEM certificate for the webhook receiver; empty serves plain HTTP
	TLSKeyFile  string // PEM key matching TLSCertFile
}

// Lever is the [lever] section.
type Lever struct {
	BaseURL           string
	APIKey            Secret
	RequestsPerSecond float64
	Burst             int
	NoteAuthor        string // Lever user id notes are written as (performAs)
	Webhooks          LeverWebhooks
}

// LeverWebhooks is the [lever.webhooks] section: how incoming Lever deliveries are verified.
type LeverWebhooks struct {
	MaxAge        time.Duration       // oldest triggeredAt accepted
	SigningToken  Secret              // fallback token for events without their own
	SigningTokens map[string][]Secret // event name -> tokens, several during a rotation
}

// BrightHire is the [brighthire] section. The integration is off when BaseURL is empty.
type BrightHire struct {
	BaseURL       string
	APIToken      Secret
	WebhookSecret Secret // "whsec_..." secret of the notes-ready webhook
	ForwardURL    string // where verified Lever deliveries are forwarded; empty disables it
}

// Schedule is the [schedule] section: cron specs of the periodic jobs.
type Schedule struct {
	Reconcile  string
	FullResync string
	Notes      string
}

// Store is the [store] section.
type Store struct {
	Path string // bbolt database file
}

// Log is the [log] section.
type Log struct {
	Level  string // debug, info, warn or error
	Format string // json or text
}

// Default returns the configuration every unset key falls back to. It is the only place
// defaults are defined; it has no credentials, so it does not validate on its own.
func Default() *Config {
	return &Config{
		Listen: Listen{Webhooks: "0.0.0.0:8080", Admin: "127.0.0.1:8081"},
		Lever: Lever{
			RequestsPerSecond: 8,
			Burst:             10,
			Webhooks:          LeverWebhooks{MaxAge: 5 * time.Minute},
		},
		Schedule: Schedule{
			Reconcile:  "*/10 * * * *",
			FullResync: "0 3 * * 0",
			Notes:      "@every 2m",
		},
		Store:           Store{Path: "/var/lib/leverbright/leverbright.db"},
		Log:             Log{Level: "info", Format: "json"},
		Workers:         4,
		ShutdownTimeout: 10 * time.Second,
		MaxAttempts:     20,
	}
}

// DefaultPath returns $LEVERBRIGHT_CONFIG, or DefaultFile when it is unset or empty.
func DefaultPath() string {
	if p := os.Getenv("LEVERBRIGHT_CONFIG"); p != "" {
		return p
	}
	return DefaultFile
}

// Load reads and validates the file at path. Problems with the content come back as *Errors
// holding all of them; a file that cannot be read comes back as a wrapped os error.
func Load(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read config: %w", err)
	}
	return Parse(path, data)
}

// Warnings returns problems that do not stop the daemon, such as a secret file readable by
// other users or no webhook signing token. They never contain a secret value.
func (c *Config) Warnings() []string { return slices.Clone(c.warnings) }

// Hash identifies the configuration by content: the file's bytes plus every secret file it
// names. A reload whose Hash is unchanged can be ignored.
func (c *Config) Hash() [32]byte { return c.hash }

// Equal reports whether both configurations have the same content (see Hash).
func (c *Config) Equal(o *Config) bool {
	if c == nil || o == nil {
		return c == o
	}
	return c.hash == o.hash
}

// NeedsRestart lists the keys whose change from old cannot be applied to a running daemon:
// the store file, which is opened at start-up. Listeners are rebound live.
func (c *Config) NeedsRestart(old *Config) []string {
	if old == nil {
		return nil
	}
	checks := []struct {
		key      string
		now, was string
	}{
		{"store.path", c.Store.Path, old.Store.Path},
	}
	var keys []string
	for _, ch := range checks {
		if ch.now != ch.was {
			keys = append(keys, ch.key)
		}
	}
	return keys
}

// contentHash hashes the raw file and the resolved secret files, in key order.
func contentHash(data []byte, files map[string]string) [32]byte {
	h := sha256.New()
	h.Write(data)
	keys := make([]string, 0, len(files))
	for k := range files {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		fmt.Fprintf(h, "\x00%s\x00%d\x00%s", k, len(files[k]), files[k])
	}
	var sum [32]byte
	copy(sum[:], h.Sum(nil))
	return sum
}
