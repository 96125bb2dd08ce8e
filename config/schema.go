package config

import (
	"fmt"
	"strings"
	"time"
)

// setter validates one key's entry and stores it in the Config; problems go to d.
type setter func(d *decoder, c *Config, e entry)

// sections are the tables the file may contain.
var sections = map[string]bool{
	"listen": true, "lever": true, "lever.webhooks": true, "lever.webhooks.signing_tokens": true,
	"brighthire": true, "schedule": true, "store": true, "log": true, "daemon": true,
}

// signingTokensKey is the table mapping Lever event names to their signing tokens.
const signingTokensKey = "lever.webhooks.signing_tokens"

// LeverEvents are the webhook events Lever sends, the names allowed in
// [lever.webhooks.signing_tokens].
var LeverEvents = []string{
	"applicationCreated", "candidateStageChange", "candidateArchiveChange", "candidateHired",
	"candidateDeleted", "interviewCreated", "interviewUpdated", "interviewDeleted",
	"contactCreated", "contactUpdated",
}

// secretKey is a credential key; each also has a "<key>_file" form.
type secretKey struct {
	key string
	dst func(*Config) *Secret
}

var secretKeys = []secretKey{
	{"lever.api_key", func(c *Config) *Secret { return &c.Lever.APIKey }},
	{"lever.webhooks.signing_token", func(c *Config) *Secret { return &c.Lever.Webhooks.SigningToken }},
	{"brighthire.api_token", func(c *Config) *Secret { return &c.BrightHire.APIToken }},
	{"brighthire.webhook_secret", func(c *Config) *Secret { return &c.BrightHire.WebhookSecret }},
}

// fields maps every leaf key to its setter; secret keys are added by init.
var fields = map[string]setter{
	"listen.webhooks":      addrField(func(c *Config) *string { return &c.Listen.Webhooks }),
	"listen.admin":         addrField(func(c *Config) *string { return &c.Listen.Admin }),
	"listen.tls_cert_file": textField(func(c *Config) *string { return &c.Listen.TLSCertFile }),
	"listen.tls_key_file":  textField(func(c *Config) *string { return &c.Listen.TLSKeyFile }),

	"lever.base_url":            urlField(func(c *Config) *string { return &c.Lever.BaseURL }),
	"lever.requests_per_second": floatField(func(c *Config) *float64 { return &c.Lever.RequestsPerSecond }, 1, 10),
	"lever.burst":               intField(func(c *Config) *int { return &c.Lever.Burst }, 1, 100),
	"lever.note_author":         textField(func(c *Config) *string { return &c.Lever.NoteAuthor }),
	"lever.webhooks.max_age": durationField(func(c *Config) *time.Duration { return &c.Lever.Webhooks.MaxAge },
		time.Second, 24*time.Hour),

	"brighthire.base_url":    urlField(func(c *Config) *string { return &c.BrightHire.BaseURL }),
	"brighthire.forward_url": urlField(func(c *Config) *string { return &c.BrightHire.ForwardURL }),

	"schedule.reconcile":   cronField(func(c *Config) *string { return &c.Schedule.Reconcile }),
	"schedule.full_resync": cronField(func(c *Config) *string { return &c.Schedule.FullResync }),
	"schedule.notes":       cronField(func(c *Config) *string { return &c.Schedule.Notes }),

	"store.path": textField(func(c *Config) *string { return &c.Store.Path }),
	"log.level":  enumField(func(c *Config) *string { return &c.Log.Level }, "debug", "info", "warn", "error"),
	"log.format": enumField(func(c *Config) *string { return &c.Log.Format }, "json", "text"),

	"daemon.workers": intField(func(c *Config) *int { return &c.Workers }, 1, 64),
	"daemon.shutdown_timeout": durationField(func(c *Config) *time.Duration { return &c.ShutdownTimeout },
		time.Second, 10*time.Minute),
	"daemon.max_attempts": intField(func(c *Config) *int { return &c.MaxAttempts }, 1, 1000),
}

func init() {
	for _, s := range secretKeys {
		fields[s.key] = secretField(s.dst)
		fields[s.key+"_file"] = secretFileField(s.key, s.dst)
	}
}

// isSecretKey reports whether a key holds a credential inline, so its value must never be
// echoed, not even in a syntax error.
func isSecretKey(key string) bool {
	if strings.HasPrefix(key, signingTokensKey+".") {
		return true
	}
	for _, s := range secretKeys {
		if key == s.key || strings.HasSuffix(key, "."+lastPart(s.key)) {
			return true
		}
	}
	return false
}

func lastPart(key string) string { return key[strings.LastIndexByte(key, '.')+1:] }

// keysUnder lists the names allowed directly inside a table, for "did you mean" hints.
func keysUnder(table string) []string {
	if table == signingTokensKey {
		return LeverEvents
	}
	var names []string
	add := func(key string) {
		if parent, name, ok := cutLast(key); ok && parent == table {
			names = append(names, name)
		} else if !ok && table == "" {
			names = append(names, key)
		}
	}
	for k := range fields {
		add(k)
	}
	for k := range sections {
		add(k)
	}
	return names
}

// cutLast splits "a.b.c" into "a.b" and "c".
func cutLast(key string) (parent, name string, ok bool) {
	i := strings.LastIndexByte(key, '.')
	if i < 0 {
		return "", key, false
	}
	return key[:i], key[i+1:], true
}

// suggest returns the allowed name closest to a misspelt one, or "".
func suggest(name string, allowed []string) string {
	best, bestDist := "", min(2, max(1, len(name)/3))+1
	for _, a := range allowed {
		if strings.EqualFold(a, name) {
			return a
		}
		if d := editDistance(name, a); d < bestDist {
			best, bestDist = a, d
		}
	}
	return best
}

// editDistance is the Levenshtein distance between two short strings.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(b)]
}

// describe names a TOML type for messages ("integer", "array", "table").
func describe(typ string) string {
	switch typ {
	case "hash":
		return "table"
	case "arrayhash":
		return "array of tables"
	case "":
		return "value"
	}
	return typ
}

// unknownRule is the rule text for a key or table the schema does not know.
func unknownRule(parent, name, typ string) string {
	what := "unknown key"
	if typ == "hash" {
		what = "unknown table"
	}
	if s := suggest(name, keysUnder(parent)); s != "" {
		return fmt.Sprintf("%s (did you mean %q?)", what, s)
	}
	return what
}
