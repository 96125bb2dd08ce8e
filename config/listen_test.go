package config

import (
	"strings"
	"testing"
)

func TestParse_ListenProblems(t *testing.T) {
	tests := []struct {
		name, toml, want string
	}{
		{"certificate files missing",
			"[listen]\ntls_cert_file = \"/nonexistent/cert.pem\"\ntls_key_file = \"/nonexistent/key.pem\"\n" + valid,
			"config.toml:2: listen.tls_cert_file: cannot load the certificate and key: open /nonexistent/cert.pem"},
		{"one address for both listeners",
			"[listen]\nwebhooks = \"127.0.0.1:9000\"\nadmin = \"127.0.0.1:9000\"\n" + valid,
			"config.toml:3: listen.admin: must not share its port with listen.webhooks"},
		{"one port, localhost and 127.0.0.1",
			"[listen]\nwebhooks = \"127.0.0.1:9000\"\nadmin = \"localhost:9000\"\n" + valid,
			"config.toml:3: listen.admin: must not share its port"},
		{"one port, wildcard and loopback",
			"[listen]\nwebhooks = \"0.0.0.0:9000\"\nadmin = \"127.0.0.1:9000\"\n" + valid,
			"config.toml:3: listen.admin: must not share its port"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("config.toml", []byte(tt.toml))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Parse: got %v, want an error containing %q", err, tt.want)
			}
		})
	}
}

func TestParse_AdminOffLoopbackWarns(t *testing.T) {
	c, err := Parse("config.toml", []byte("[listen]\nadmin = \"0.0.0.0:8081\"\n"+valid))
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	found := false
	for _, w := range c.Warnings() {
		found = found || strings.Contains(w, "listen.admin")
	}
	if !found {
		t.Fatalf("warnings: got %q, want one about listen.admin", c.Warnings())
	}
}

func TestParse_SyntaxErrorNeverQuotesAValue(t *testing.T) {
	for _, line := range []string{
		"api_kye = SUPERSECRETBARE3", "note_author = SUPERSECRETBARE3", "anything = SUPERSECRETBARE3",
		"api_key = 3fa9cSUPERSECRET", "api_key = 0x3fSUPERSECRET", "api_kye = 0xSUPERSECRET",
		`api_key = "ok" SUPERSECRET`,
	} {
		_, err := Parse("config.toml", []byte(valid+line+"\n"))
		if err == nil {
			t.Fatalf("%s: parsed without error", line)
		}
		if strings.Contains(err.Error(), "SUPER") || strings.Contains(err.Error(), "'S'") {
			t.Fatalf("%s: error shows part of the value: %v", line, err)
		}
	}
}
