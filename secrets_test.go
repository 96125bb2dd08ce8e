package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/leverbright/leverbright/brighthire/brighthiretest"
	"github.com/leverbright/leverbright/lever"
	"github.com/leverbright/leverbright/lever/levertest"
)

// Distinctive secret values: none may ever show up in output, status or metrics.
const (
	secretLeverKey   = "LVRKEY-e2e-7c1f0a9d"
	secretFallback   = "SIGNFB-e2e-55aa3e"
	secretTokenStem  = "SIGNTOK-e2e-"
	secretBHToken    = "BHTOKEN-e2e-3b7d42"
	secretWhsecPlain = "WHSECPAYLOAD-e2e-do-not-print"
)

var leverEvents = []string{
	lever.EventApplicationCreated, lever.EventInterviewCreated, lever.EventInterviewUpdated,
	lever.EventInterviewDeleted, lever.EventCandidateStageChange, lever.EventCandidateArchiveChange,
	lever.EventCandidateHired, lever.EventCandidateDeleted,
}

func secretWhsec() string {
	return "whsec_" + base64.StdEncoding.EncodeToString([]byte(secretWhsecPlain))
}

// secretValues lists every secret, and the parts of the webhook secret, to look for.
func secretValues() []string {
	vals := []string{secretLeverKey, secretFallback, secretBHToken, secretWhsecPlain, secretWhsec(),
		strings.TrimPrefix(secretWhsec(), "whsec_")}
	for _, ev := range leverEvents {
		vals = append(vals, secretTokenStem+ev)
	}
	return vals
}

func assertNoSecret(t *testing.T, what, text string) {
	t.Helper()
	if text == "" {
		t.Fatalf("%s is empty: the check would prove nothing", what)
	}
	for _, s := range secretValues() {
		if strings.Contains(text, s) {
			t.Fatalf("%s reveals secret %q:\n%s", what, s, text)
		}
	}
}

// secretEnv is a fake Lever and BrightHire using the distinctive secrets, and a config
// holding them inline.
type secretEnv struct {
	lever              *levertest.Server
	bh                 *brighthiretest.Server
	config             string
	webhookURL, admURL string
}

func newSecretEnv(t *testing.T) *secretEnv {
	lv := levertest.NewServer(levertest.Options{Seed: 11, Opportunities: 12, APIKey: secretLeverKey})
	t.Cleanup(lv.Close)
	bh := brighthiretest.NewServer(brighthiretest.Options{Token: secretBHToken, WebhookSecret: secretWhsec(),
		NotesDelay: 200 * time.Millisecond})
	t.Cleanup(bh.Close)
	tokens := map[string]string{}
	var table strings.Builder
	for _, ev := range leverEvents {
		tokens[ev] = secretTokenStem + ev
		fmt.Fprintf(&table, "%s = %q\n", ev, tokens[ev])
	}
	lv.SetSigningTokens(tokens)
	dir := t.TempDir()
	wh, adm := "127.0.0.1:"+freePort(t), "127.0.0.1:"+freePort(t)
	e := &secretEnv{lever: lv, bh: bh, config: filepath.Join(dir, "config.toml"),
		webhookURL: "http://" + wh, admURL: "http://" + adm}
	writeFile(t, e.config, fmt.Sprintf(`[listen]
webhooks = %q
admin = %q
[lever]
base_url = %q
api_key = %q
note_author = %q
[lever.webhooks]
signing_token = %q
[lever.webhooks.signing_tokens]
%s[brighthire]
base_url = %q
api_token = %q
webhook_secret = %q
forward_url = %q
[schedule]
reconcile = "@every 2s"
notes = "@every 2s"
[store]
path = %q
[log]
level = "debug"
format = "text"
[daemon]
workers = 4
shutdown_timeout = "5s"
`, wh, adm, lv.URL(), secretLeverKey, lv.UserIDs()[0], secretFallback, table.String(),
		bh.URL(), secretBHToken, secretWhsec(), bh.ForwardURL(), filepath.Join(dir, "lb.db")))
	bh.SetNotesWebhook(e.webhookURL + "/webhooks/brighthire")
	return e
}

func TestSecrets_NeverShown(t *testing.T) {
	t.Parallel()
	e := newSecretEnv(t)
	good := readFile(t, e.config)
	checkSecretsInCheck(t, e.config, good)

	p := startRun(t, e.config)
	p.waitReady(e.admURL)
	sendSecretDeliveries(t, e)
	// Wait for the backfill and some notes written back, so every client has been used.
	eventually(t, 20*time.Second, "backfill done and notes written back", func() bool {
		st := status(t, e.admURL)
		return st.Deliveries.Refused >= 2 && !st.Passes["full_resync"].LastEnd.IsZero() &&
			st.Links.NotesWritten > 0
	})

	// A good reload, then one refused for a secret of the wrong form.
	writeFile(t, e.config, strings.Replace(good, "workers = 4", "workers = 3", 1))
	p.signal(syscall.SIGHUP)
	eventually(t, 5*time.Second, "reload", func() bool { return !status(t, e.admURL).Config.LastReload.IsZero() })
	writeFile(t, e.config, strings.Replace(good, secretWhsec(), "whsec_"+secretWhsecPlain+"!", 1))
	p.signal(syscall.SIGHUP)
	eventually(t, 5*time.Second, "refused reload", func() bool { return !status(t, e.admURL).Config.ReloadOK })

	for _, path := range []string{"/status", "/metrics", "/admin/webhooks", "/admin/deadletters"} {
		code, body := get(e.admURL + path)
		if code != http.StatusOK {
			t.Fatalf("GET %s: %d %s", path, code, body)
		}
		assertNoSecret(t, "GET "+path, body)
	}
	for _, args := range [][]string{{"status"}, {"status", "-json"}, {"webhooks", "list"}} {
		r := runBin(t, nil, append(args, "-config", e.config)...)
		assertNoSecret(t, strings.Join(args, " "), r.stdout+r.stderr)
	}

	p.signal(syscall.SIGTERM)
	if code := p.wait(6 * time.Second); code != 0 {
		t.Fatalf("exit after SIGTERM: %d; stderr:\n%s", code, p.stderr.String())
	}
	assertNoSecret(t, "daemon stderr", p.stderr.String())
	if out := p.stdout.String(); out != "" {
		assertNoSecret(t, "daemon stdout", out)
	}
	for _, want := range []string{"level=DEBUG", "lever delivery refused", "config reload refused"} {
		if !strings.Contains(p.stderr.String(), want) {
			t.Fatalf("daemon log has no %q: the run did not go where the secrets could leak", want)
		}
	}
}

// checkSecretsInCheck runs check on the good config and on broken ones.
func checkSecretsInCheck(t *testing.T, path, good string) {
	r := runBin(t, nil, "check", "-config", path)
	if r.code != 0 {
		t.Fatalf("check: got %s", r)
	}
	assertNoSecret(t, "check", r.stdout+r.stderr)
	broken := []string{
		strings.Replace(good, secretWhsec(), "whsec_"+secretWhsecPlain+"!", 1) + "colour = 1\n",
		strings.Replace(good, `api_key = "`+secretLeverKey+`"`, `api_key = "`+secretLeverKey, 1),
		strings.Replace(good, `api_key = "`+secretLeverKey+`"`, `api_kye = "`+secretLeverKey+`"`, 1),
	}
	for i, doc := range broken {
		bad := filepath.Join(t.TempDir(), "broken.toml")
		writeFile(t, bad, doc)
		r := runBin(t, nil, "check", "-config", bad)
		if r.code != 1 {
			t.Fatalf("check broken config %d: got %s, want exit 1", i, r)
		}
		assertNoSecret(t, fmt.Sprintf("check broken config %d", i), r.stdout+r.stderr)
	}
}

// sendSecretDeliveries sends good and badly signed deliveries from both sides.
func sendSecretDeliveries(t *testing.T, e *secretEnv) {
	ctx := context.Background()
	opp := e.lever.Opportunities()[1].ID
	_, d := e.lever.ScheduleInterview(opp)
	if code, err := e.lever.Send(ctx, e.webhookURL+"/webhooks/lever", d); code != http.StatusOK {
		t.Fatalf("good Lever delivery: got %d %v, want 200", code, err)
	}
	bad := e.lever.ChangeStage(opp)
	var env map[string]any
	if err := json.Unmarshal(bad.Body, &env); err != nil {
		t.Fatalf("decode delivery: %v", err)
	}
	env["signature"] = lever.Sign("not-the-token", env["token"].(string), int64(env["triggeredAt"].(float64)))
	bad.Body, _ = json.Marshal(env)
	if code, err := e.lever.Send(ctx, e.webhookURL+"/webhooks/lever", bad); code != http.StatusUnauthorized {
		t.Fatalf("badly signed Lever delivery: got %d %v, want 401", code, err)
	}

	req, _ := http.NewRequest(http.MethodPost, e.webhookURL+"/webhooks/brighthire",
		bytes.NewReader([]byte(`{"type":"interview.notes_ready"}`)))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("webhook-id", "msg_e2e")
	req.Header.Set("webhook-timestamp", strconv.FormatInt(time.Now().Unix(), 10))
	req.Header.Set("webhook-signature", "v1,"+base64.StdEncoding.EncodeToString(make([]byte, 32)))
	resp, err := httpClient.Do(req)
	if err != nil {
		t.Fatalf("badly signed BrightHire delivery: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("badly signed BrightHire delivery: got %d, want 401", resp.StatusCode)
	}
}
