package config

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/fsnotify/fsnotify"
)

// DefaultDebounce is how long Watch waits for events to settle when given no debounce.
const DefaultDebounce = 250 * time.Millisecond

// Watcher calls OnChange after the configuration file may have changed. It watches the file's
// folder rather than the file, so every way of saving is seen: writes in place, a new file
// renamed over the old one (vim, sed -i), a symlink replaced (ln -sfn) and Kubernetes
// ConfigMap updates, which swap a "..data" symlink. When the file is a symlink, the folder of
// its target is watched too and followed when the link moves.
//
// Events are not filtered by content: OnChange should reload and compare Config.Hash.
type Watcher struct {
	Path     string
	Debounce time.Duration // quiet time before OnChange; DefaultDebounce when <= 0
	OnChange func()        // called from the Run goroutine, never concurrently

	fw        *fsnotify.Watcher
	path      string // absolute path of the file
	dir       string // its folder as given
	realDir   string // its folder with symlinks resolved
	target    string // the file with symlinks resolved
	targetDir string // extra folder watched for target, "" if none
}

// Watch runs a Watcher on path until ctx ends; see Watcher.
func Watch(ctx context.Context, path string, debounce time.Duration, onChange func()) error {
	w := &Watcher{Path: path, Debounce: debounce, OnChange: onChange}
	return w.Run(ctx)
}

// Run blocks until ctx ends, then returns nil. It fails early if the folder cannot be
// watched, and later only if the file-system notifier breaks.
func (w *Watcher) Run(ctx context.Context) error {
	if err := w.start(); err != nil {
		return err
	}
	return w.loop(ctx)
}

// loop handles events until ctx ends; start must have succeeded. It closes the notifier.
func (w *Watcher) loop(ctx context.Context) error {
	defer w.fw.Close()
	wait := w.Debounce
	if wait <= 0 {
		wait = DefaultDebounce
	}
	timer := time.NewTimer(wait)
	timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case ev := <-w.fw.Events:
			if w.relevant(ev.Name) {
				w.follow()
				timer.Reset(wait)
			}
		case err := <-w.fw.Errors:
			if !errors.Is(err, fsnotify.ErrEventOverflow) {
				return fmt.Errorf("watch config %s: %w", w.path, err)
			}
			timer.Reset(wait) // events were lost: assume the file changed
		case <-timer.C:
			w.follow()
			w.OnChange()
		}
	}
}

// start opens the notifier on the file's folder and, for a symlink, its target's folder.
func (w *Watcher) start() error {
	abs, err := filepath.Abs(w.Path)
	if err != nil {
		return fmt.Errorf("watch config %s: %w", w.Path, err)
	}
	w.path, w.dir = abs, filepath.Dir(abs)
	if w.realDir, err = filepath.EvalSymlinks(w.dir); err != nil {
		return fmt.Errorf("watch config %s: %w", w.path, err)
	}
	if w.fw, err = fsnotify.NewWatcher(); err != nil {
		return fmt.Errorf("watch config %s: %w", w.path, err)
	}
	if err := w.fw.Add(w.dir); err != nil {
		w.fw.Close()
		return fmt.Errorf("watch config folder %s: %w", w.dir, err)
	}
	w.follow()
	return nil
}

// relevant reports whether an event may concern the file: the file itself, its symlink
// target, or a Kubernetes "..data"-style entry next to it.
func (w *Watcher) relevant(name string) bool {
	if name == w.path || (w.target != "" && name == w.target) {
		return true
	}
	return filepath.Dir(name) == w.dir && strings.HasPrefix(filepath.Base(name), "..")
}

// follow re-resolves the symlink target and moves the extra folder watch to its folder. A
// file missing for a moment (between a delete and a create) keeps the previous target.
func (w *Watcher) follow() {
	target, err := filepath.EvalSymlinks(w.path)
	if err != nil {
		return
	}
	w.target = target
	dir := filepath.Dir(target)
	if dir == w.realDir {
		dir = "" // already watched as the file's own folder
	}
	if dir == w.targetDir {
		return
	}
	if w.targetDir != "" {
		_ = w.fw.Remove(w.targetDir) // it may be gone already
	}
	w.targetDir = ""
	if dir != "" && w.fw.Add(dir) == nil {
		w.targetDir = dir
	}
}
