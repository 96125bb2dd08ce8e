package config

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"
)

// startWatcher runs a Watcher on path and returns its call counter. The folder is watched
// before it returns, so no event of the test can be missed.
func startWatcher(t *testing.T, path string, debounce time.Duration) *atomic.Int32 {
	t.Helper()
	var calls atomic.Int32
	w := &Watcher{Path: path, Debounce: debounce, OnChange: func() { calls.Add(1) }}
	if err := w.start(); err != nil {
		t.Fatalf("start: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- w.loop(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	})
	return &calls
}

// waitCalls polls until the counter reaches want or a deadline passes.
func waitCalls(t *testing.T, calls *atomic.Int32, want int32) {
	t.Helper()
	deadline := time.Now().Add(3 * time.Second)
	for calls.Load() < want {
		if time.Now().After(deadline) {
			t.Fatalf("OnChange calls: got %d, want %d", calls.Load(), want)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func mustSymlink(t *testing.T, target, link string) {
	t.Helper()
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
}

func mustRename(t *testing.T, from, to string) {
	t.Helper()
	if err := os.Rename(from, to); err != nil {
		t.Fatal(err)
	}
}

func TestWatch_Saves(t *testing.T) {
	tests := []struct {
		name string
		save func(t *testing.T, path string)
	}{
		{"plain write", func(t *testing.T, path string) { writeFile(t, path, "b = 2\n", 0o600) }},
		{"rename over", func(t *testing.T, path string) {
			tmp := filepath.Join(filepath.Dir(path), ".config.toml.tmp")
			writeFile(t, tmp, "b = 2\n", 0o600)
			mustRename(t, tmp, path)
		}},
		{"remove and create", func(t *testing.T, path string) {
			if err := os.Remove(path); err != nil {
				t.Fatal(err)
			}
			writeFile(t, path, "b = 2\n", 0o600)
		}},
		{"sed -i", func(t *testing.T, path string) {
			sed, err := exec.LookPath("sed")
			if err != nil {
				t.Skip("sed not installed")
			}
			if out, err := exec.Command(sed, "-i", "s/a = 1/a = 2/", path).CombinedOutput(); err != nil {
				t.Fatalf("sed: %v: %s", err, out)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "config.toml")
			writeFile(t, path, "a = 1\n", 0o600)
			calls := startWatcher(t, path, 20*time.Millisecond)
			tt.save(t, path)
			waitCalls(t, calls, 1)
		})
	}
}

func TestWatch_SymlinkSwap(t *testing.T) {
	dir := t.TempDir()
	other := t.TempDir()
	writeFile(t, filepath.Join(other, "a.toml"), "a = 1\n", 0o600)
	writeFile(t, filepath.Join(other, "b.toml"), "b = 1\n", 0o600)
	path := filepath.Join(dir, "config.toml")
	mustSymlink(t, filepath.Join(other, "a.toml"), path)
	calls := startWatcher(t, path, 20*time.Millisecond)

	// A write to the target in its own folder is seen.
	writeFile(t, filepath.Join(other, "a.toml"), "a = 2\n", 0o600)
	waitCalls(t, calls, 1)

	// ln -sfn: a new link renamed over the old one.
	mustSymlink(t, filepath.Join(other, "b.toml"), path+".new")
	mustRename(t, path+".new", path)
	waitCalls(t, calls, 2)
}

func TestWatch_SymlinkTargetMovesFolder(t *testing.T) {
	dir, first, second := t.TempDir(), t.TempDir(), t.TempDir()
	writeFile(t, filepath.Join(first, "c.toml"), "a = 1\n", 0o600)
	writeFile(t, filepath.Join(second, "c.toml"), "a = 1\n", 0o600)
	path := filepath.Join(dir, "config.toml")
	mustSymlink(t, filepath.Join(first, "c.toml"), path)
	calls := startWatcher(t, path, 20*time.Millisecond)

	mustSymlink(t, filepath.Join(second, "c.toml"), path+".new")
	mustRename(t, path+".new", path)
	waitCalls(t, calls, 1)

	// The watch followed the link: writes in the new target's folder count.
	writeFile(t, filepath.Join(second, "c.toml"), "a = 2\n", 0o600)
	waitCalls(t, calls, 2)
}

func TestWatch_KubernetesDataSwap(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "..v1", "config.toml"), "a = 1\n", 0o644)
	mustSymlink(t, "..v1", filepath.Join(dir, "..data"))
	path := filepath.Join(dir, "config.toml")
	mustSymlink(t, filepath.Join("..data", "config.toml"), path)
	calls := startWatcher(t, path, 20*time.Millisecond)

	// What the kubelet does: new version folder, new ..data link renamed over the old one,
	// old folder removed. config.toml itself is never touched.
	writeFile(t, filepath.Join(dir, "..v2", "config.toml"), "a = 2\n", 0o644)
	mustSymlink(t, "..v2", filepath.Join(dir, "..data_tmp"))
	mustRename(t, filepath.Join(dir, "..data_tmp"), filepath.Join(dir, "..data"))
	if err := os.RemoveAll(filepath.Join(dir, "..v1")); err != nil {
		t.Fatal(err)
	}
	waitCalls(t, calls, 1)

	got, err := os.ReadFile(path)
	if err != nil || string(got) != "a = 2\n" {
		t.Fatalf("config after swap: got %q (%v), want a = 2", got, err)
	}
}

func TestWatch_Debounce(t *testing.T) {
	path := filepath.Join(t.TempDir(), "config.toml")
	writeFile(t, path, "a = 0\n", 0o600)
	calls := startWatcher(t, path, 150*time.Millisecond)

	for i := range 5 {
		writeFile(t, path, "a = "+string(rune('1'+i))+"\n", 0o600)
		time.Sleep(10 * time.Millisecond)
	}
	waitCalls(t, calls, 1)
	time.Sleep(300 * time.Millisecond) // two debounce periods: no late second call
	if got := calls.Load(); got != 1 {
		t.Fatalf("OnChange calls after a burst of writes: got %d, want 1", got)
	}
}

func TestWatch_IgnoresOtherFiles(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "config.toml")
	writeFile(t, path, "a = 0\n", 0o600)
	calls := startWatcher(t, path, 20*time.Millisecond)

	writeFile(t, filepath.Join(dir, "notes.txt"), "x", 0o600)
	writeFile(t, path, "a = 1\n", 0o600) // a change after the unrelated one
	waitCalls(t, calls, 1)
	time.Sleep(100 * time.Millisecond)
	if got := calls.Load(); got != 1 {
		t.Fatalf("OnChange calls: got %d, want 1 (notes.txt must not count)", got)
	}
}

func TestWatch_ContextCancelEnds(t *testing.T) {
	path := filepath.Join(t.TempDir(), "config.toml")
	writeFile(t, path, "a = 0\n", 0o600)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- Watch(ctx, path, 0, func() {}) }()
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Watch: got %v, want nil", err)
		}
	case <-time.After(2 * time.Second):
		t.Fatalf("Watch did not return after cancel")
	}
}

func TestWatch_MissingFolder(t *testing.T) {
	err := Watch(context.Background(), filepath.Join(t.TempDir(), "no", "config.toml"), 0, func() {})
	if err == nil {
		t.Fatalf("Watch: got nil, want an error for a missing folder")
	}
}
