package config

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func writeFile(t *testing.T, path, content string, mode os.FileMode) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, mode); err != nil { // WriteFile's mode is filtered by umask
		t.Fatal(err)
	}
}

func jsonString(v any) (string, error) {
	b, err := json.Marshal(v)
	return string(b), err
}

func TestParse_SecretFiles(t *testing.T) {
	dir := t.TempDir()
	creds := t.TempDir()
	writeFile(t, filepath.Join(dir, "secrets", "lever"), "from-relative\n", 0o600)
	writeFile(t, filepath.Join(dir, "abs-token"), "from-absolute\r\n", 0o600)
	writeFile(t, filepath.Join(creds, "bh_token"), "from-credentials\n", 0o400)
	writeFile(t, filepath.Join(dir, "bh_secret"), "whsec_c2VjcmV0\n", 0o600)
	t.Setenv("CREDENTIALS_DIRECTORY", creds)

	doc := "[lever]\n" + baseURL + "note_author = \"u\"\napi_key_file = \"secrets/lever\"\n" +
		"[lever.webhooks]\nsigning_token_file = \"" + filepath.Join(dir, "abs-token") + "\"\n" +
		"[brighthire]\nbase_url = \"http://127.0.0.1:1\"\napi_token_file = \"bh_token\"\n" +
		"webhook_secret_file = \"bh_secret\"\n" // bare, absent from creds: next to the file
	c, err := Parse(filepath.Join(dir, "config.toml"), []byte(doc))
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	checks := []struct{ name, got, want string }{
		{"relative", c.Lever.APIKey.Value(), "from-relative"},
		{"absolute", c.Lever.Webhooks.SigningToken.Value(), "from-absolute"},
		{"credentials directory", c.BrightHire.APIToken.Value(), "from-credentials"},
		{"config folder fallback", c.BrightHire.WebhookSecret.Value(), "whsec_c2VjcmV0"},
	}
	for _, ch := range checks {
		if ch.got != ch.want {
			t.Fatalf("%s: got %q, want %q", ch.name, ch.got, ch.want)
		}
	}
	if len(c.Warnings()) != 0 {
		t.Fatalf("Warnings: got %q, want none", c.Warnings())
	}
}

func TestParse_SecretFileReadableByOthers(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "key"), "k\n", 0o644)
	doc := "[lever]\n" + baseURL + "note_author = \"u\"\napi_key_file = \"./key\"\n" +
		"webhooks.signing_token = \"s\"\n"
	c, err := Parse(filepath.Join(dir, "config.toml"), []byte(doc))
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	w := c.Warnings()
	if len(w) != 1 || !strings.Contains(w[0], "lever.api_key_file") ||
		!strings.Contains(w[0], "readable by group or others (mode 0644)") {
		t.Fatalf("Warnings: got %q, want one about mode 0644", w)
	}
}

func TestParse_SecretFileProblems(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "empty"), "\n", 0o600)
	tests := []struct{ name, file, want string }{
		{"missing", "absent", "read secret file: stat " + filepath.Join(dir, "absent")},
		{"empty", "empty", "secret file " + filepath.Join(dir, "empty") + " is empty"},
		{"directory", dir, "read secret file: " + dir + ": not a regular file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc := "[lever]\n" + baseURL + "note_author = \"u\"\napi_key_file = \"" + tt.file + "\"\n"
			_, err := Parse(filepath.Join(dir, "c.toml"), []byte(doc))
			want := filepath.Join(dir, "c.toml") + ":4: lever.api_key_file: " + tt.want
			if err == nil || !strings.HasPrefix(err.Error(), want) {
				t.Fatalf("Parse: got %v, want %q", err, want)
			}
		})
	}
}

func TestConfig_HashFollowsSecretFiles(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "config.toml")
	doc := []byte("[lever]\n" + baseURL + "note_author = \"u\"\napi_key_file = \"key\"\n")
	writeFile(t, filepath.Join(dir, "key"), "one", 0o600)
	a, errA := Parse(path, doc)
	b, errB := Parse(path, doc)
	writeFile(t, filepath.Join(dir, "key"), "two", 0o600)
	c, errC := Parse(path, doc)
	if errA != nil || errB != nil || errC != nil {
		t.Fatalf("Parse: %v %v %v", errA, errB, errC)
	}
	if !a.Equal(b) || a.Equal(c) {
		t.Fatalf("Equal: same content must match and a changed secret file must not")
	}
}

// marker is a secret value that must never show up in any output.
const marker = "S3CRET-MARKER-do-not-print"

func TestSecret_NeverShown(t *testing.T) {
	doc := "[lever]\n" + baseURL + "api_key = \"" + marker + "\"\n" +
		"note_author = \"u\"\n" +
		"[lever.webhooks]\nsigning_token = \"" + marker + "\"\n" +
		"[lever.webhooks.signing_tokens]\ninterviewCreated = [\"" + marker + "\"]\n" +
		"[brighthire]\nbase_url = \"http://127.0.0.1:1\"\napi_token = \"" + marker + "\"\n" +
		"webhook_secret = \"whsec_" + base64Marker + "\"\n"
	c, err := Parse("config.toml", []byte(doc))
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	if c.Lever.APIKey.Value() != marker {
		t.Fatalf("Value: the secret was not read")
	}

	var outputs []string
	for _, f := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x"} {
		outputs = append(outputs, fmt.Sprintf(f, c), fmt.Sprintf(f, *c), fmt.Sprintf(f, c.Lever))
	}
	for _, v := range []any{c, *c, c.Lever, c.Lever.APIKey} {
		s, err := jsonString(v)
		if err != nil {
			t.Fatalf("json.Marshal: %v", err)
		}
		outputs = append(outputs, s)
	}
	outputs = append(outputs, logOutput(c, "json"), logOutput(c, "text"), c.Lever.APIKey.String())
	var toml bytes.Buffer
	if err := c.WriteTOML(&toml); err != nil {
		t.Fatalf("WriteTOML: %v", err)
	}
	outputs = append(outputs, toml.String())
	assertNoMarker(t, outputs)
	if !strings.Contains(toml.String(), "[redacted]") {
		t.Fatalf("WriteTOML: got %s, want [redacted] for secrets", toml.String())
	}
}

// base64Marker is marker in base64, so it passes the whsec check while staying greppable.
const base64Marker = "UzNDUkVULU1BUktFUi1kby1ub3QtcHJpbnQ="

func logOutput(c *Config, format string) string {
	var buf bytes.Buffer
	l, _ := NewLogger(&buf, "debug", format)
	l.Info("loaded", "config", c, "key", c.Lever.APIKey, "tokens", c.Lever.Webhooks.SigningTokens)
	l.With("lever", c.Lever).Debug("lever")
	return buf.String()
}

func assertNoMarker(t *testing.T, outputs []string) {
	t.Helper()
	for i, s := range outputs {
		if strings.Contains(s, marker) || strings.Contains(s, base64Marker) {
			t.Fatalf("output %d reveals the secret: %s", i, s)
		}
		if s == "" {
			t.Fatalf("output %d is empty; the check would prove nothing", i)
		}
	}
}

func TestParse_ErrorsNeverShowSecrets(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "key"), marker+"\n", 0o600)
	docs := []string{
		"[lever]\napi_key = \"" + marker + "\"\napi_key_file = \"key\"\n",
		"[lever]\napi_key = " + marker + "\n",
		"[lever]\napi_key = \"" + marker + "\n",
		"[lever]\napi_key = \"" + marker + "\\q\"\n",
		"[lever]\napi_kye = \"" + marker + "\"\n",
		"[lever]\napi_key = [\"" + marker + "\"]\n",
		"[lever]\nbase_url = \"https://me:" + marker + "@127.0.0.1/\"\n",
		"[brighthire]\nwebhook_secret = \"whsec_" + marker + "\"\n",
		"[brighthire]\nwebhook_secret = \"" + base64Marker + "\"\n",
		"[brighthire]\nwebhook_secret_file = \"key\"\n",
		"[lever.webhooks.signing_tokens]\nnope = \"" + marker + "\"\n",
		"[lever.webhooks.signing_tokens]\ninterviewCreated = [\"" + marker + "\", 1]\n",
		"[lever.webhooks]\nsigning_token = { v = \"" + marker + "\" }\n",
	}
	var outputs []string
	for _, doc := range docs {
		_, err := Parse(filepath.Join(dir, "config.toml"), []byte(doc))
		if err == nil {
			t.Fatalf("Parse(%q): got no error", doc)
		}
		outputs = append(outputs, err.Error(), fmt.Sprintf("%+v", err), fmt.Sprintf("%#v", err))
	}
	assertNoMarker(t, outputs)
}

func TestNewLogger_LiveLevelAndFormat(t *testing.T) {
	var buf bytes.Buffer
	l, lv := NewLogger(&buf, "warn", "json")
	child := l.With("component", "sync")
	child.Info("hidden")
	if buf.Len() != 0 {
		t.Fatalf("info at warn level: got %q, want nothing", buf.String())
	}

	lv.Set(slog.LevelDebug)
	if err := SetLogFormat(l, "text"); err != nil {
		t.Fatalf("SetLogFormat: %v", err)
	}
	child.Debug("shown", "n", 1)
	if got, want := buf.String(), "level=DEBUG msg=shown component=sync n=1\n"; !strings.HasSuffix(got, want) {
		t.Fatalf("text output: got %q, want suffix %q", got, want)
	}

	buf.Reset()
	if err := SetLogFormat(l, "json"); err != nil {
		t.Fatalf("SetLogFormat: %v", err)
	}
	child.WithGroup("g").Warn("back", "n", 2)
	if got, want := buf.String(), `"msg":"back","component":"sync","g":{"n":2}}`; !strings.Contains(got, want) {
		t.Fatalf("json output: got %q, want %q", got, want)
	}
	if err := SetLogFormat(l, "xml"); err == nil {
		t.Fatalf("SetLogFormat(xml): got nil, want error")
	}
}
