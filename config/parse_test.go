package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// leverKeys is the smallest file that validates but for the required lever.base_url.
const leverKeys = "[lever]\napi_key = \"k\"\nnote_author = \"u1\"\n"

// valid is the smallest file that validates; cases append to or replace parts of it.
const valid = leverKeys + baseURL

// baseURL sets the required lever.base_url to a loopback address nothing listens on.
const baseURL = "base_url = \"http://127.0.0.1:1/v1\"\n"

func TestParse_Errors(t *testing.T) {
	tests := []struct {
		name, toml, want string
	}{
		{"unknown key", valid + "colour = 1\n",
			"config.toml:5: lever.colour: unknown key"},
		{"misspelt key", valid + "requets_per_second = 5\n",
			`config.toml:5: lever.requets_per_second: unknown key (did you mean "requests_per_second"?)`},
		{"unknown table", valid + "[metrics]\nport = 1\n",
			"config.toml:5: metrics: unknown table"},
		{"wrong case", valid + "Burst = 5\n",
			`config.toml:5: lever.Burst: unknown key (did you mean "burst"?)`},
		{"wrong type", valid + "burst = \"ten\"\n",
			"config.toml:5: lever.burst: must be an integer (got string)"},
		{"section not a table", valid + "log = \"debug\"\n",
			"config.toml:5: lever.log: unknown key"},
		{"top-level section not a table", "log = 3\n" + valid,
			"config.toml:1: log: must be a table (got integer)"},
		{"out of range", valid + "requests_per_second = 40\n",
			"config.toml:5: lever.requests_per_second: must be between 1 and 10 (got 40)"},
		{"bad cron", valid + "[schedule]\nreconcile = \"*/10 * *\"\n",
			"config.toml:6: schedule.reconcile: must be a cron spec"},
		{"bad descriptor", valid + "[schedule]\nnotes = \"@every banana\"\n",
			"config.toml:6: schedule.notes: must be a cron spec"},
		{"bad duration", valid + "[lever.webhooks]\nmax_age = \"5 minutes\"\n",
			`config.toml:6: lever.webhooks.max_age: must be a duration such as "30s" or "5m" (got "5 minutes")`},
		{"duration out of range", valid + "[daemon]\nshutdown_timeout = \"1h\"\n",
			`config.toml:6: daemon.shutdown_timeout: must be between 1s and 10m0s (got "1h")`},
		{"missing api key", "[lever]\n" + baseURL + "note_author = \"u1\"\n",
			"config.toml:1: lever.api_key: required (set api_key or api_key_file)"},
		{"missing base url", leverKeys,
			"config.toml:1: lever.base_url: required: https://api.lever.co/v1, or the sandbox's"},
		{"empty base url", leverKeys + "base_url = \"\"\n",
			"config.toml:4: lever.base_url: required"},
		{"missing note author", "[lever]\n" + baseURL + "api_key = \"k\"\n",
			"config.toml:1: lever.note_author: required"},
		{"missing lever table", "[log]\nlevel = \"info\"\n[lever]\n" + baseURL +
			"note_author = \"u\"\n",
			"config.toml:3: lever.api_key: required"},
		{"bad url scheme", leverKeys + "base_url = \"ftp://lever.test/v1\"\n",
			"config.toml:4: lever.base_url: must be an absolute http or https URL"},
		{"relative url", valid + "[brighthire]\nforward_url = \"/forward\"\n",
			"config.toml:6: brighthire.forward_url: must be an absolute http or https URL"},
		{"url with password", leverKeys + "base_url = \"https://u:p@127.0.0.1/v1\"\n",
			"config.toml:4: lever.base_url: must not contain a user name or password"},
		{"bad whsec", valid + "[brighthire]\nwebhook_secret = \"whsec_not base64!\"\n",
			`config.toml:6: brighthire.webhook_secret: must be "whsec_" followed by base64`},
		{"whsec without prefix", valid + "[brighthire]\nwebhook_secret = \"c2VjcmV0\"\n",
			`config.toml:6: brighthire.webhook_secret: must be "whsec_" followed by base64`},
		{"both value and file", valid + "api_key_file = \"/nonexistent\"\n",
			"config.toml:5: lever.api_key_file: set either api_key or api_key_file, not both"},
		{"unknown event", valid + "[lever.webhooks.signing_tokens]\ninterviewMoved = \"t\"\n",
			"config.toml:6: lever.webhooks.signing_tokens.interviewMoved: unknown Lever event"},
		{"token list with number", valid + "[lever.webhooks.signing_tokens]\ncandidateHired = [\"a\", 2]\n",
			"config.toml:6: lever.webhooks.signing_tokens.candidateHired: token 2 must be a non-empty string"},
		{"empty token list", valid + "[lever.webhooks.signing_tokens]\ncandidateHired = []\n",
			"config.toml:6: lever.webhooks.signing_tokens.candidateHired: must list at least one token"},
		{"brighthire url without token", valid + "[brighthire]\nbase_url = \"http://127.0.0.1:9/\"\n",
			"config.toml:5: brighthire.api_token: required when brighthire.base_url is set"},
		{"brighthire token without url", valid + "[brighthire]\napi_token = \"t\"\n",
			"config.toml:5: brighthire.base_url: required when brighthire.api_token is set"},
		{"tls half", valid + "[listen]\ntls_cert_file = \"c.pem\"\n",
			"config.toml:5: listen.tls_key_file: tls_cert_file and tls_key_file must be set together"},
		{"bad address", valid + "[listen]\nadmin = \"localhost\"\n",
			`config.toml:6: listen.admin: must be host:port with a port from 1 to 65535 (got "localhost")`},
		{"bad level", valid + "[log]\nlevel = \"verbose\"\n",
			`config.toml:6: log.level: must be one of debug, info, warn, error (got "verbose")`},
		{"workers range", valid + "[daemon]\nworkers = 0\n",
			"config.toml:6: daemon.workers: must be between 1 and 64 (got 0)"},
		{"inline table for a value", valid + "burst = { a = 1 }\n",
			"config.toml:5: lever.burst: must be an integer (got table)"},
		{"syntax error", valid + "burst = = 3\n",
			"config.toml:5: lever.burst: invalid TOML"},
		{"duplicate key", valid + "api_key = \"k2\"\n",
			"config.toml:5: lever.api_key: invalid TOML in the value of a secret"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("config.toml", []byte(tt.toml))
			var errs Errors
			if !errors.As(err, &errs) {
				t.Fatalf("Parse: got %v, want Errors", err)
			}
			if len(errs) != 1 || !strings.HasPrefix(errs[0].Error(), tt.want) {
				t.Fatalf("Parse errors:\n%v\nwant one starting with:\n%s", err, tt.want)
			}
		})
	}
}

func TestParse_AllErrorsAtOnce(t *testing.T) {
	doc := "[lever]\nrequests_per_second = 40\nburst = \"x\"\ncolour = 1\n" +
		"[schedule]\nreconcile = \"nope\"\n[log]\nformat = \"xml\"\n"
	_, err := Parse("/etc/lb/config.toml", []byte(doc))
	var errs *Errors
	if !errors.As(err, &errs) {
		t.Fatalf("Parse: got %v, want *Errors", err)
	}
	wantKeys := []string{"lever.api_key", "lever.base_url", "lever.note_author",
		"lever.requests_per_second", "lever.burst", "lever.colour", "schedule.reconcile", "log.format"}
	if len(*errs) != len(wantKeys) {
		t.Fatalf("Parse: got %d errors, want %d:\n%v", len(*errs), len(wantKeys), err)
	}
	for i, e := range *errs {
		if e.Key != wantKeys[i] || e.File != "/etc/lb/config.toml" {
			t.Fatalf("error %d: got %s, want key %s", i, e, wantKeys[i])
		}
	}
	if got := strings.Count(err.Error(), "\n"); got != len(wantKeys)-1 {
		t.Fatalf("Error(): got %d line breaks, want %d", got, len(wantKeys)-1)
	}
}

func TestParse_Defaults(t *testing.T) {
	c, err := Parse("config.toml", []byte(valid))
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	d := Default()
	if d.Lever.BaseURL != "" {
		t.Fatalf("Default: lever.base_url %q, want none (it is required)", d.Lever.BaseURL)
	}
	if c.Lever.BaseURL != "http://127.0.0.1:1/v1" || c.Workers != 4 || c.Lever.RequestsPerSecond != 8 ||
		c.Lever.Webhooks.MaxAge != 5*time.Minute || c.Schedule.Notes != "@every 2m" {
		t.Fatalf("defaults: got %+v, want %+v", c, d)
	}
	if c.Lever.APIKey.Value() != "k" || c.Lever.NoteAuthor != "u1" {
		t.Fatalf("values: got api key set=%v author %q", c.Lever.APIKey.IsSet(), c.Lever.NoteAuthor)
	}
	if w := c.Warnings(); len(w) != 1 || !strings.Contains(w[0], "no signing token") {
		t.Fatalf("Warnings: got %q, want one about the missing signing token", w)
	}
}

func TestParse_Values(t *testing.T) {
	doc := valid + "requests_per_second = 2.5\n[lever.webhooks]\nsigning_token = \"fb\"\n" +
		"[lever.webhooks.signing_tokens]\ninterviewCreated = \"a\"\ncandidateHired = [\"b\", \"c\"]\n" +
		"[brighthire]\nbase_url = \"http://127.0.0.1:9/v0/\"\napi_token = \"t\"\n" +
		"webhook_secret = \"whsec_c2VjcmV0\"\n[daemon]\nworkers = 8\n"
	c, err := Parse("config.toml", []byte(doc))
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	toks := c.Lever.Webhooks.SigningTokens
	if len(toks["interviewCreated"]) != 1 || len(toks["candidateHired"]) != 2 ||
		toks["candidateHired"][1].Value() != "c" {
		t.Fatalf("SigningTokens: got %d events", len(toks))
	}
	if c.Lever.RequestsPerSecond != 2.5 || c.Workers != 8 || c.BrightHire.BaseURL != "http://127.0.0.1:9/v0" {
		t.Fatalf("values: got rps %v workers %d url %q", c.Lever.RequestsPerSecond, c.Workers,
			c.BrightHire.BaseURL)
	}
	if len(c.Warnings()) != 0 {
		t.Fatalf("Warnings: got %q, want none", c.Warnings())
	}
}

func TestLoad_MissingFile(t *testing.T) {
	_, err := Load(filepath.Join(t.TempDir(), "absent.toml"))
	if !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("Load: got %v, want os.ErrNotExist", err)
	}
}

func TestDefaultPath_Env(t *testing.T) {
	t.Setenv("LEVERBRIGHT_CONFIG", "")
	if got := DefaultPath(); got != DefaultFile {
		t.Fatalf("DefaultPath: got %q, want %q", got, DefaultFile)
	}
	t.Setenv("LEVERBRIGHT_CONFIG", "/tmp/x.toml")
	if got := DefaultPath(); got != "/tmp/x.toml" {
		t.Fatalf("DefaultPath: got %q, want /tmp/x.toml", got)
	}
}

func TestConfig_NeedsRestart(t *testing.T) {
	old, err := Parse("config.toml", []byte(valid))
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	// Listeners are rebound live, so only the store path needs a restart.
	c, err := Parse("config.toml", []byte(valid+"burst = 3\n[listen]\nadmin = \"127.0.0.1:9\"\n"+
		"webhooks = \"127.0.0.1:10\"\n[store]\npath = \"/tmp/x.db\"\n"))
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	got := c.NeedsRestart(old)
	if len(got) != 1 || got[0] != "store.path" {
		t.Fatalf("NeedsRestart: got %q, want [store.path]", got)
	}
	if c.Equal(old) || !old.Equal(old) {
		t.Fatalf("Equal: changed config compared equal, or a config differs from itself")
	}
}

func TestExample_Parses(t *testing.T) {
	creds := t.TempDir()
	t.Setenv("CREDENTIALS_DIRECTORY", creds)
	for _, name := range []string{"lever_api_key", "lever_signing_token"} {
		writeFile(t, filepath.Join(creds, name), "dummy-"+name+"\n", 0o400)
	}
	c, err := Load("../config.example.toml")
	if err != nil {
		t.Fatalf("Load example: %v", err)
	}
	if !strings.HasPrefix(c.Lever.BaseURL, "https://") {
		t.Fatalf("example lever.base_url: got %q, want an https URL", c.Lever.BaseURL)
	}
	if len(c.Warnings()) != 0 {
		t.Fatalf("example warnings: %q", c.Warnings())
	}

	// The example documents the defaults: apart from credentials it must equal them.
	got, want := c.Redacted(), Default().Redacted()
	for _, m := range []map[string]any{got, want} {
		lever := m["lever"].(map[string]any)
		delete(lever, "api_key")
		delete(lever, "note_author")
		delete(lever, "base_url") // required, so it has no default to document
		delete(lever["webhooks"].(map[string]any), "signing_token")
	}
	gotJSON, _ := jsonString(got)
	wantJSON, _ := jsonString(want)
	if gotJSON != wantJSON {
		t.Fatalf("example differs from Default():\ngot  %s\nwant %s", gotJSON, wantJSON)
	}
}

func TestError_Error(t *testing.T) {
	tests := []struct {
		err  Error
		want string
	}{
		{Error{File: "c.toml", Line: 3, Key: "log.level", Rule: "bad"}, "c.toml:3: log.level: bad"},
		{Error{File: "c.toml", Key: "lever.api_key", Rule: "required"}, "c.toml: lever.api_key: required"},
		{Error{File: "c.toml", Line: 1, Rule: "invalid TOML"}, "c.toml:1: invalid TOML"},
	}
	for _, tt := range tests {
		if got := tt.err.Error(); got != tt.want {
			t.Fatalf("Error(): got %q, want %q", got, tt.want)
		}
	}
}

func TestParse_MissingKeyWithoutTable(t *testing.T) {
	_, err := Parse("c.toml", []byte("[log]\nlevel = \"info\"\n"))
	want := "c.toml: lever.api_key: required (set api_key or api_key_file)\n" +
		"c.toml: lever.base_url: required: https://api.lever.co/v1, or the sandbox's " +
		"https://api.sandbox.lever.co/v1\n" +
		"c.toml: lever.note_author: required: the Lever user id notes are written as"
	if err == nil || err.Error() != want {
		t.Fatalf("Parse: got %v, want %q", err, want)
	}
}
