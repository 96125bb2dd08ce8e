package store

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var testNow = time.Date(2025, 3, 4, 5, 6, 7, 0, time.UTC)

// openAt opens a store at path with a fixed clock and fails the test on error.
func openAt(t testing.TB, path string) *Store {
	t.Helper()
	s, err := Open(path, Options{Now: func() time.Time { return testNow }})
	if err != nil {
		t.Fatalf("open %s: %v", path, err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// openTest opens a fresh store in a temporary directory.
func openTest(t testing.TB) *Store {
	t.Helper()
	return openAt(t, filepath.Join(t.TempDir(), "leverbright.db"))
}

func TestOpen_NewStore_NeedsFullResync(t *testing.T) {
	s := openTest(t)

	on, err := s.NeedsFullResync()
	if err != nil || !on {
		t.Fatalf("NeedsFullResync: got %v, %v, want true", on, err)
	}
	v, err := s.SchemaVersion()
	if err != nil || v != schemaVersion {
		t.Fatalf("SchemaVersion: got %d, %v, want %d", v, err, schemaVersion)
	}
	fi, err := os.Stat(s.Path())
	if err != nil {
		t.Fatal(err)
	}
	if got := fi.Mode().Perm(); got != 0o600 {
		t.Fatalf("file mode: got %v, want 0600", got)
	}
}

func TestOpen_Reopen_KeepsFlagCleared(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.db")
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.SetNeedsFullResync(false); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	s = openAt(t, path)
	if on, err := s.NeedsFullResync(); err != nil || on {
		t.Fatalf("NeedsFullResync after reopen: got %v, %v, want false", on, err)
	}
}

func TestOpen_Locked_FailsFast(t *testing.T) {
	s := openTest(t)

	start := time.Now()
	_, err := Open(s.Path(), Options{})
	elapsed := time.Since(start)
	if !errors.Is(err, ErrLocked) {
		t.Fatalf("second open: got %v, want ErrLocked", err)
	}
	if !strings.Contains(err.Error(), "another leverbright instance holds the store file") {
		t.Fatalf("error message: got %q", err)
	}
	if elapsed > 2*time.Second {
		t.Fatalf("second open took %v, want under 2s", elapsed)
	}
}

func TestOpen_MissingDirectory_ReturnsError(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "missing")
	_, err := Open(filepath.Join(dir, "s.db"), Options{})
	if err == nil || errors.Is(err, ErrLocked) || errors.Is(err, errCorrupt) {
		t.Fatalf("open in missing dir: got %v, want a plain file system error", err)
	}
	if _, statErr := os.Stat(dir); !os.IsNotExist(statErr) {
		t.Fatalf("missing dir was created: %v", statErr)
	}
}

// fillLinks writes n interview links and returns the file size.
func fillLinks(t *testing.T, path string, n int) int64 {
	t.Helper()
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for i := range n {
		l := InterviewLink{InterviewID: uuidLike(i), OpportunityID: uuidLike(i / 2),
			BrightHireID: "bh-" + uuidLike(i), Hash: strings.Repeat("ab", 32), UpdatedAt: testNow}
		if err := s.PutInterviewLink(l); err != nil {
			t.Fatal(err)
		}
	}
	size := s.FileSize()
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	return size
}

func TestOpen_Corrupt_Quarantines(t *testing.T) {
	tests := []struct {
		name   string
		damage func(t *testing.T, path string)
	}{
		{"garbage", func(t *testing.T, path string) {
			junk := bytes.Repeat([]byte("not a bolt file "), 2048)
			if err := os.WriteFile(path, junk, 0o600); err != nil {
				t.Fatal(err)
			}
		}},
		{"truncated", func(t *testing.T, path string) {
			size := fillLinks(t, path, 400)
			if err := os.Truncate(path, size/2); err != nil {
				t.Fatal(err)
			}
		}},
		{"zeroed data pages", func(t *testing.T, path string) {
			size := fillLinks(t, path, 400)
			f, err := os.OpenFile(path, os.O_WRONLY, 0)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			if _, err := f.WriteAt(make([]byte, size-16384), 16384); err != nil {
				t.Fatal(err)
			}
		}},
		{"leaf pages with a bad type", func(t *testing.T, path string) {
			fillLinks(t, path, 400)
			b, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			// Byte 8 of a page header holds its flags; 0x02 marks a leaf.
			for off := 4 * 4096; off+16 <= len(b); off += 4096 {
				if b[off+8] == 0x02 {
					b[off+8] = 0x00
				}
			}
			if err := os.WriteFile(path, b, 0o600); err != nil {
				t.Fatal(err)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "s.db")
			tt.damage(t, path)
			before, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}

			s := openAt(t, path)

			aside := path + ".corrupt-20250304T050607Z"
			kept, err := os.ReadFile(aside)
			if err != nil {
				t.Fatalf("quarantined file: %v", err)
			}
			if !bytes.Equal(kept, before) {
				t.Fatalf("quarantined file differs from the damaged one")
			}
			if on, err := s.NeedsFullResync(); err != nil || !on {
				t.Fatalf("NeedsFullResync: got %v, %v, want true", on, err)
			}
			if live, dead, err := s.CountInterviews(); err != nil || live+dead != 0 {
				t.Fatalf("CountInterviews: got %d, %d, %v, want 0, 0", live, dead, err)
			}
		})
	}
}

func TestStore_Backup_OpensWithSameContent(t *testing.T) {
	s := openTest(t)
	if _, err := s.Ingest("k1", Item{Source: "lever", Key: "opp1", Body: []byte("b1")}); err != nil {
		t.Fatal(err)
	}
	if err := s.PutInterviewLink(InterviewLink{InterviewID: "iv1", OpportunityID: "opp1",
		BrightHireID: "bh1", Hash: "h"}); err != nil {
		t.Fatal(err)
	}

	var buf bytes.Buffer
	n, err := s.Backup(&buf)
	if err != nil || n != int64(buf.Len()) || n == 0 {
		t.Fatalf("Backup: got %d bytes (buffer %d), %v", n, buf.Len(), err)
	}
	copyPath := filepath.Join(t.TempDir(), "copy.db")
	if err := os.WriteFile(copyPath, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}

	c := openAt(t, copyPath)
	due, err := c.Due(testNow, 10, nil)
	if err != nil || len(due) != 1 || string(due[0].Body) != "b1" {
		t.Fatalf("Due on copy: got %+v, %v", due, err)
	}
	l, ok, err := c.LinkByBrightHireID("bh1")
	if err != nil || !ok || l.InterviewID != "iv1" {
		t.Fatalf("LinkByBrightHireID on copy: got %+v, %v, %v", l, ok, err)
	}
	if seen, err := c.Seen("k1"); err != nil || !seen {
		t.Fatalf("Seen on copy: got %v, %v", seen, err)
	}
}

// uuidLike returns a 36-character id that is distinct for every i and
// spreads over the key space like a random UUID.
func uuidLike(i int) string {
	h := uint64(i)*0x9E3779B97F4A7C15 + 0x6A09E667F3BCC909
	const hex = "0123456789abcdef"
	b := make([]byte, 0, 36)
	for j := range 32 {
		if j == 8 || j == 12 || j == 16 || j == 20 {
			b = append(b, '-')
		}
		shift := uint((j % 16) * 4)
		v := h >> shift
		if j >= 16 {
			v = (h * 0xBF58476D1CE4E5B9) >> shift
		}
		b = append(b, hex[v&15])
	}
	return string(b)
}
