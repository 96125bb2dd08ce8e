// Package demo runs leverbright against a simulated Lever and BrightHire on loopback: it
// seeds both, writes a config into a temporary folder and runs the real daemon on it.
package demo

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/leverbright/leverbright/brighthire/brighthiretest"
	"github.com/leverbright/leverbright/lever"
	"github.com/leverbright/leverbright/lever/levertest"
)

// EnvOptions shape a simulated environment.
type EnvOptions struct {
	Seed          int64
	Opportunities int
	NotesDelay    time.Duration // how long after an interview's start its notes are ready
	Schedule      Schedule
	RPS           float64 // the daemon's Lever rate; Lever's own limit is 10/s, burst 20
	Workers       int
	LogLevel      string
	Forward       bool // relay Lever deliveries to the fake BrightHire's receiver
}

// Schedule are the cron specs written into the config.
type Schedule struct{ Reconcile, FullResync, Notes string }

// Env is a fake Lever, a fake BrightHire and a config for a daemon between them.
type Env struct {
	Lever      *levertest.Server
	BrightHire *brighthiretest.Server
	Dir        string
	ConfigPath string
	StorePath  string
	WebhookURL string // base URL of the daemon's webhook listener
	AdminURL   string // base URL of the daemon's admin listener
	NoteAuthor string
	opts       EnvOptions
	ports      [2]string
}

// NewEnv starts both fakes on loopback and writes a config for the daemon into dir.
func NewEnv(dir string, opts EnvOptions) (*Env, error) {
	opts = withDefaults(opts)
	e := &Env{Dir: dir, opts: opts, StorePath: filepath.Join(dir, "leverbright.db")}
	e.Lever = levertest.NewServer(levertest.Options{Seed: opts.Seed, Opportunities: opts.Opportunities, RetryAfter: true})
	e.BrightHire = brighthiretest.NewServer(brighthiretest.Options{
		NotesDelay: opts.NotesDelay, RecordingSince: time.Now(),
	})
	e.NoteAuthor = e.Lever.UserIDs()[0]
	for i := range e.ports {
		port, err := freePort()
		if err != nil {
			e.Close()
			return nil, err
		}
		e.ports[i] = port
	}
	e.WebhookURL = "http://127.0.0.1:" + e.ports[0]
	e.AdminURL = "http://127.0.0.1:" + e.ports[1]
	if err := e.WriteConfig(""); err != nil {
		e.Close()
		return nil, err
	}
	e.BrightHire.SetNotesWebhook(e.WebhookURL + "/webhooks/brighthire")
	return e, nil
}

func withDefaults(o EnvOptions) EnvOptions {
	if o.Opportunities <= 0 {
		o.Opportunities = 200
	}
	if o.NotesDelay <= 0 {
		o.NotesDelay = 2 * time.Second
	}
	if o.Schedule.Reconcile == "" {
		o.Schedule = Schedule{Reconcile: "@every 10s", FullResync: "0 3 * * 0", Notes: "@every 5s"}
	}
	if o.RPS <= 0 {
		o.RPS = 10
	}
	if o.Workers <= 0 {
		o.Workers = 4
	}
	if o.LogLevel == "" {
		o.LogLevel = "info"
	}
	return o
}

// freePort finds a loopback port that is free now.
func freePort() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("find a free port: %w", err)
	}
	defer ln.Close()
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	return port, nil
}

// WriteConfig writes the daemon's config and secret files; extra is appended to the TOML.
func (e *Env) WriteConfig(extra string) error {
	secrets := map[string]string{
		"lever_api_key":     e.Lever.APIKey(),
		"brighthire_token":  e.BrightHire.Token(),
		"brighthire_secret": e.BrightHire.WebhookSecret(),
	}
	for name, v := range secrets {
		if err := os.WriteFile(filepath.Join(e.Dir, name), []byte(v+"\n"), 0o600); err != nil {
			return fmt.Errorf("write %s: %w", name, err)
		}
	}
	e.ConfigPath = filepath.Join(e.Dir, "config.toml")
	return os.WriteFile(e.ConfigPath, []byte(e.configText()+extra), 0o600)
}

func (e *Env) configText() string {
	var tokens strings.Builder
	for _, ev := range []string{
		lever.EventApplicationCreated, lever.EventInterviewCreated, lever.EventInterviewUpdated,
		lever.EventInterviewDeleted, lever.EventCandidateStageChange, lever.EventCandidateDeleted,
	} {
		fmt.Fprintf(&tokens, "%s = %q\n", ev, e.Lever.SigningToken(ev))
	}
	forward := ""
	if e.opts.Forward {
		forward = e.BrightHire.ForwardURL()
	}
	o := e.opts
	return fmt.Sprintf(`# written by leverbright demo
[listen]
webhooks = "127.0.0.1:%s"
admin = "127.0.0.1:%s"

[lever]
base_url = %q
api_key_file = "lever_api_key"
requests_per_second = %g
burst = 10
note_author = %q

[lever.webhooks]
max_age = "5m"

[lever.webhooks.signing_tokens]
%s
[brighthire]
base_url = %q
api_token_file = "brighthire_token"
webhook_secret_file = "brighthire_secret"
forward_url = %q

[schedule]
reconcile = %q
full_resync = %q
notes = %q

[store]
path = %q

[log]
level = %q
format = "text"

[daemon]
workers = %d
shutdown_timeout = "5s"
max_attempts = 20
`, e.ports[0], e.ports[1], e.Lever.URL(), o.RPS, e.NoteAuthor, tokens.String(),
		e.BrightHire.URL(), forward, o.Schedule.Reconcile, o.Schedule.FullResync, o.Schedule.Notes,
		e.StorePath, o.LogLevel, o.Workers)
}

// Close stops both fakes.
func (e *Env) Close() {
	if e.Lever != nil {
		e.Lever.Close()
	}
	if e.BrightHire != nil {
		e.BrightHire.Close()
	}
}
