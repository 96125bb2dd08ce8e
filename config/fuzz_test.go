package config

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func FuzzParse(f *testing.F) {
	example, err := os.ReadFile("../config.example.toml")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(example)
	f.Add([]byte(valid))
	f.Add([]byte("[lever.webhooks.signing_tokens]\ninterviewCreated = [\"a\", 1]\n"))
	f.Add([]byte("a.b.c = { d = [1, { e = 2 }] }\n[[x]]\ny = 1\n"))
	f.Add([]byte("[lever]\napi_key_file = \"/dev/zero\"\n"))
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := Parse(filepath.Join(dir, "config.toml"), data)
		var errs *Errors
		switch {
		case err == nil && c == nil:
			t.Fatalf("Parse: nil config without an error")
		case err != nil && (!errors.As(err, &errs) || len(*errs) == 0):
			t.Fatalf("Parse: got %v, want a non-empty *Errors", err)
		}
	})
}
