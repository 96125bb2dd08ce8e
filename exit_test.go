package main

import (
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
