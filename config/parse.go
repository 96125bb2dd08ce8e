package config

import (
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"regexp"
	"strings"

	"github.com/BurntSushi/toml"
)

// decoder collects the problems and side facts of one Parse.
type decoder struct {
	file     string
	errs     Errors
	warnings []string
	lines    map[string]int    // every key present in the file -> its line
	files    []fileRef         // *_file keys to read
	contents map[string]string // *_file key -> content read, for Hash
}

// Parse validates data as the configuration file at path. path names the file in errors and
// anchors relative *_file paths; secret files are read from disk. Every problem is returned at
// once as *Errors.
func Parse(path string, data []byte) (*Config, error) {
	d := &decoder{file: path, lines: map[string]int{}, contents: map[string]string{}}
	entries, err := readTOML(data)
	if err != nil {
		return nil, &Errors{d.syntaxError(err)}
	}

	c := Default()
	c.Path = path
	for _, e := range entries {
		d.lines[e.key] = e.line
		d.apply(c, e)
	}
	d.readSecretFiles(c)
	d.checkTogether(c)
	if len(d.errs) > 0 {
		d.errs.sortByLine()
		return nil, &d.errs
	}

	c.hash = contentHash(data, d.contents)
	c.warnings = d.warnings
	return c, nil
}

// quoted matches a quoted fragment of a parser message, which may be part of a value.
var quoted = regexp.MustCompile(`"[^"]*"|'[^']*'`)

// syntaxError turns a TOML parse failure into an Error. The library's message can quote part
// of the offending value, so it is withheld when the key holds a secret.
func (d *decoder) syntaxError(err error) *Error {
	var pe toml.ParseError
	if !errors.As(err, &pe) {
		return &Error{File: d.file, Rule: "invalid TOML"}
	}
	// A misspelt secret key is not known as one, so quoted fragments are withheld always.
	rule := "invalid TOML: " + quoted.ReplaceAllString(pe.Message, `…`)
	if isSecretKey(pe.LastKey) {
		rule = "invalid TOML in the value of a secret (details withheld)"
	}
	return &Error{File: d.file, Line: pe.Position.Line, Key: pe.LastKey, Rule: rule}
}

// apply checks one entry against the schema and stores its value.
func (d *decoder) apply(c *Config, e entry) {
	if d.underLeaf(e) {
		return // the enclosing key already has its own error
	}
	parent, name, _ := cutLast(e.key)
	switch {
	case sections[e.key]:
		if e.typ != "hash" {
			d.fail(e, "must be a table (got %s)", describe(e.typ))
		}
	case parent == signingTokensKey:
		d.setSigningTokens(c, e, name)
	case fields[e.key] != nil:
		fields[e.key](d, c, e)
	default:
		d.fail(e, "%s", unknownRule(parent, name, e.typ))
	}
}

// underLeaf reports whether an entry sits inside something other than a known section: an
// unknown table, or an inline table given where a plain value belongs.
func (d *decoder) underLeaf(e entry) bool {
	for i := 1; i < len(e.parts); i++ {
		if !sections[toml.Key(e.parts[:i]).String()] {
			return true
		}
	}
	return false
}

// line returns the line of a key, falling back to the line of its enclosing section, so
// "missing key" problems point at the section that lacks it.
func (d *decoder) line(key string) int {
	for k := key; k != ""; {
		if l, ok := d.lines[k]; ok {
			return l
		}
		k, _, _ = cutLast(k)
	}
	return 0
}

// failKey records a problem with a key that may be absent from the file.
func (d *decoder) failKey(key, format string, args ...any) {
	d.errs = append(d.errs, &Error{File: d.file, Line: d.line(key), Key: key,
		Rule: fmt.Sprintf(format, args...)})
}

// warn records a problem that does not stop the daemon.
func (d *decoder) warn(format string, args ...any) {
	d.warnings = append(d.warnings, fmt.Sprintf(format, args...))
}

// checkTogether applies the rules that involve several keys.
func (d *decoder) checkTogether(c *Config) {
	if !c.Lever.APIKey.IsSet() && !d.failed("lever.api_key_file") {
		d.failKey("lever.api_key", "required (set api_key or api_key_file)")
	}
	if c.Lever.BaseURL == "" && !d.failed("lever.base_url") {
		d.failKey("lever.base_url", "required: https://api.lever.co/v1, or the sandbox's "+
			"https://api.sandbox.lever.co/v1")
	}
	if strings.TrimSpace(c.Lever.NoteAuthor) == "" {
		d.failKey("lever.note_author", "required: the Lever user id notes are written as")
	}
	if c.Store.Path == "" {
		d.failKey("store.path", "must not be empty")
	}
	d.checkListen(c.Listen)
	d.checkBrightHire(c)
	if !c.Lever.Webhooks.SigningToken.IsSet() && len(c.Lever.Webhooks.SigningTokens) == 0 {
		d.warn("%s: lever.webhooks: no signing token configured; Lever deliveries are accepted "+
			"only for webhooks registered with \"leverbright webhooks register\"", d.file)
	}
}

// checkListen catches what would stop the daemon binding its listeners.
func (d *decoder) checkListen(l Listen) {
	switch {
	case (l.TLSCertFile == "") != (l.TLSKeyFile == ""):
		d.failKey("listen.tls_key_file", "tls_cert_file and tls_key_file must be set together")
	case l.TLSCertFile != "":
		if _, err := tls.LoadX509KeyPair(l.TLSCertFile, l.TLSKeyFile); err != nil {
			d.failKey("listen.tls_cert_file", "cannot load the certificate and key: %v", err)
		}
	}
	if sameListener(l.Webhooks, l.Admin) {
		d.failKey("listen.admin", "must not share its port with listen.webhooks on the same host")
	}
	if host, _, err := net.SplitHostPort(l.Admin); err == nil && !isLoopback(host) {
		d.warn("%s: listen.admin: %q is not a loopback address; the admin listener has no "+
			"authentication", d.file, l.Admin)
	}
}

// sameListener reports whether two listen addresses would collide: the same port on the same
// host, where localhost is 127.0.0.1 and an empty or wildcard host is every host.
func sameListener(a, b string) bool {
	ha, pa, errA := net.SplitHostPort(a)
	hb, pb, errB := net.SplitHostPort(b)
	if errA != nil || errB != nil || pa != pb || pa == "0" {
		return false
	}
	norm := func(h string) string {
		if h == "localhost" {
			return "127.0.0.1"
		}
		return h
	}
	ha, hb = norm(ha), norm(hb)
	return ha == hb || isWildcard(ha) || isWildcard(hb)
}

func isWildcard(host string) bool {
	return host == "" || host == "0.0.0.0" || host == "::"
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func (d *decoder) checkBrightHire(c *Config) {
	b := c.BrightHire
	switch {
	case b.BaseURL != "" && !b.APIToken.IsSet() && !d.failed("brighthire.api_token_file"):
		d.failKey("brighthire.api_token", "required when brighthire.base_url is set "+
			"(set api_token or api_token_file)")
	case b.BaseURL == "" && b.APIToken.IsSet():
		d.failKey("brighthire.base_url", "required when brighthire.api_token is set")
	}
	if b.WebhookSecret.IsSet() && !validWebhookSecret(b.WebhookSecret.Value()) {
		key := "brighthire.webhook_secret"
		if _, ok := d.lines[key+"_file"]; ok {
			key += "_file"
		}
		d.failKey(key, "must be \"whsec_\" followed by base64 (value withheld)")
	}
}

// failed reports whether a problem was already recorded for key.
func (d *decoder) failed(key string) bool {
	for _, e := range d.errs {
		if e.Key == key {
			return true
		}
	}
	return false
}
