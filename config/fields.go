package config

import (
	"fmt"
	"net"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/robfig/cron/v3"
)

// str returns the entry's string value, or reports a type error.
func (d *decoder) str(e entry) (string, bool) {
	s, ok := e.value.(string)
	if !ok {
		d.fail(e, "must be a string (got %s)", describe(e.typ))
	}
	return s, ok
}

func textField(dst func(*Config) *string) setter {
	return func(d *decoder, c *Config, e entry) {
		if s, ok := d.str(e); ok {
			*dst(c) = s
		}
	}
}

func secretField(dst func(*Config) *Secret) setter {
	return func(d *decoder, c *Config, e entry) {
		if s, ok := d.str(e); ok {
			*dst(c) = NewSecret(s)
		}
	}
}

// secretFileField records a *_file key; the file is read once every key is known.
func secretFileField(key string, dst func(*Config) *Secret) setter {
	return func(d *decoder, c *Config, e entry) {
		if s, ok := d.str(e); ok && s != "" {
			d.files = append(d.files, fileRef{key: key, entry: e, name: s, dst: dst})
		}
	}
}

func enumField(dst func(*Config) *string, allowed ...string) setter {
	return func(d *decoder, c *Config, e entry) {
		s, ok := d.str(e)
		if ok && !slices.Contains(allowed, s) {
			d.fail(e, "must be one of %s (got %q)", strings.Join(allowed, ", "), s)
			return
		}
		if ok {
			*dst(c) = s
		}
	}
}

func addrField(dst func(*Config) *string) setter {
	return func(d *decoder, c *Config, e entry) {
		s, ok := d.str(e)
		if !ok {
			return
		}
		_, port, err := net.SplitHostPort(s)
		n, perr := strconv.Atoi(port)
		if err != nil || perr != nil || n < 1 || n > 65535 {
			d.fail(e, "must be host:port with a port from 1 to 65535 (got %q)", s)
			return
		}
		*dst(c) = s
	}
}

// urlField accepts an absolute http or https URL, or "" for an optional one. The value is
// never echoed: a URL may carry credentials.
func urlField(dst func(*Config) *string) setter {
	return func(d *decoder, c *Config, e entry) {
		s, ok := d.str(e)
		if !ok {
			return
		}
		if rule := checkURL(s); rule != "" {
			d.fail(e, "%s", rule)
			return
		}
		*dst(c) = strings.TrimRight(s, "/")
	}
}

func checkURL(s string) string {
	if s == "" {
		return ""
	}
	u, err := url.Parse(s)
	switch {
	case err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "":
		return "must be an absolute http or https URL"
	case u.User != nil:
		return "must not contain a user name or password"
	case u.RawQuery != "" || u.Fragment != "":
		return "must not contain a query or fragment"
	}
	return ""
}

func durationField(dst func(*Config) *time.Duration, lo, hi time.Duration) setter {
	return func(d *decoder, c *Config, e entry) {
		s, ok := d.str(e)
		if !ok {
			return
		}
		v, err := time.ParseDuration(s)
		switch {
		case err != nil:
			d.fail(e, "must be a duration such as \"30s\" or \"5m\" (got %q)", s)
		case v < lo || v > hi:
			d.fail(e, "must be between %s and %s (got %q)", lo, hi, s)
		default:
			*dst(c) = v
		}
	}
}

// cronParser reads five-field specs and descriptors such as "@hourly" and "@every 2m".
var cronParser = cron.NewParser(cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow |
	cron.Descriptor)

func cronField(dst func(*Config) *string) setter {
	return func(d *decoder, c *Config, e entry) {
		s, ok := d.str(e)
		if !ok {
			return
		}
		if _, err := cronParser.Parse(s); err != nil {
			d.fail(e, "must be a cron spec (5 fields or a descriptor like \"@every 2m\"): %v", err)
			return
		}
		*dst(c) = s
	}
}

func intField(dst func(*Config) *int, lo, hi int) setter {
	return func(d *decoder, c *Config, e entry) {
		v, ok := e.value.(int64)
		switch {
		case !ok:
			d.fail(e, "must be an integer (got %s)", describe(e.typ))
		case v < int64(lo) || v > int64(hi):
			d.fail(e, "must be between %d and %d (got %d)", lo, hi, v)
		default:
			*dst(c) = int(v)
		}
	}
}

// floatField accepts integers too: "requests_per_second = 5" is natural to write.
func floatField(dst func(*Config) *float64, lo, hi float64) setter {
	return func(d *decoder, c *Config, e entry) {
		var v float64
		switch n := e.value.(type) {
		case int64:
			v = float64(n)
		case float64:
			v = n
		default:
			d.fail(e, "must be a number (got %s)", describe(e.typ))
			return
		}
		if !(v >= lo && v <= hi) {
			d.fail(e, "must be between %g and %g (got %g)", lo, hi, v)
			return
		}
		*dst(c) = v
	}
}

// setSigningTokens reads one "event = token" or "event = [tokens]" line.
func (d *decoder) setSigningTokens(c *Config, e entry, event string) {
	if !slices.Contains(LeverEvents, event) {
		d.fail(e, "unknown Lever event; allowed: %s", strings.Join(LeverEvents, ", "))
		return
	}
	var values []any
	switch v := e.value.(type) {
	case string:
		values = []any{v}
	case []any:
		values = v
	default:
		d.fail(e, "must be a string or an array of strings (got %s)", describe(e.typ))
		return
	}
	tokens, ok := d.tokenList(e, values)
	if !ok {
		return
	}
	if c.Lever.Webhooks.SigningTokens == nil {
		c.Lever.Webhooks.SigningTokens = map[string][]Secret{}
	}
	c.Lever.Webhooks.SigningTokens[event] = tokens
}

func (d *decoder) tokenList(e entry, values []any) ([]Secret, bool) {
	if len(values) == 0 {
		d.fail(e, "must list at least one token")
		return nil, false
	}
	tokens := make([]Secret, 0, len(values))
	for i, v := range values {
		s, ok := v.(string)
		if !ok || s == "" {
			d.fail(e, "token %d must be a non-empty string", i+1)
			return nil, false
		}
		tokens = append(tokens, NewSecret(s))
	}
	return tokens, true
}

// fail records a problem with an entry.
func (d *decoder) fail(e entry, format string, args ...any) {
	d.errs = append(d.errs, &Error{File: d.file, Line: e.line, Key: e.key,
		Rule: fmt.Sprintf(format, args...)})
}
