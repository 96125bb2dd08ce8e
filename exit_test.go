package main

import (
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
)

func TestExitCodes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		args []string
		want int
	}{
		{[]string{"-h"}, 0},
		{[]string{"status", "-h"}, 0},
		{[]string{"version"}, 0},
		{[]string{}, 2},
		{[]string{"bogus"}, 2},
		{[]string{"status", "-zzz"}, 2},
		{[]string{"status", "-json", "extra"}, 2},
		{[]string{"version", "extra"}, 2},
		{[]string{"webhooks", "frob"}, 2},
		{[]string{"webhooks", "list", "extra"}, 2},
		{[]string{"deadletters", "list", "extra"}, 2},
		{[]string{"check", "-config", "/nonexistent/config.toml"}, 1},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			r := runBin(t, nil, tt.args...)
			if r.code != tt.want {
				t.Fatalf("got %s\nwant exit %d", r, tt.want)
			}
			if n := strings.Count(r.stderr, "leverbright:"); n > 1 {
				t.Fatalf("error shown %d times:\n%s", n, r.stderr)
			}
		})
	}
}

func TestStatus_TellsWhichAdminItAsks(t *testing.T) {
	t.Parallel()
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		_, _ = w.Write([]byte(`{"version":"9.9.9","ready":true}`))
	}))
	defer other.Close()
	addr := strings.TrimPrefix(other.URL, "http://")
	dir := t.TempDir()
	good := filepath.Join(dir, "good.toml")
	broken := filepath.Join(dir, "broken.toml")
	writeFile(t, good, "[listen]\nadmin = \""+addr+"\"\n")
	writeFile(t, broken, "[listen\nadmin = \""+addr+"\"\n")

	r := runBin(t, nil, "status", "-config", good)
	if r.code != 1 || !strings.Contains(r.stderr, "not a leverbright admin listener") {
		t.Fatalf("status against another server: got %s\nwant exit 1 saying it is not leverbright", r)
	}
	r = runBin(t, nil, "status", "-config", broken, "-admin", addr)
	if r.code != 1 || !strings.Contains(r.stderr, "cannot be read for listen.admin") ||
		!strings.Contains(r.stderr, "not a leverbright admin listener") {
		t.Fatalf("status with a broken config and -admin: got %s\nwant the warning and the check", r)
	}
}
