package config

import (
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// fileRef is a *_file key waiting to be read.
type fileRef struct {
	key   string // the secret's key, without "_file"
	entry entry  // the *_file entry itself
	name  string // the path as written
	dst   func(*Config) *Secret
}

// readSecretFiles loads every *_file secret, after checking that the inline form is unset.
func (d *decoder) readSecretFiles(c *Config) {
	for _, f := range d.files {
		if f.dst(c).IsSet() {
			d.fail(f.entry, "set either %s or %s, not both", lastPart(f.key), lastPart(f.entry.key))
			continue
		}
		if value, ok := d.readSecretFile(f); ok {
			*f.dst(c) = NewSecret(value)
		}
	}
}

// readSecretFile reads one secret file, warning when its mode lets other users read it.
func (d *decoder) readSecretFile(f fileRef) (string, bool) {
	path := secretPath(f.name, filepath.Dir(d.file))
	data, info, err := readSmallFile(path)
	if err != nil {
		d.fail(f.entry, "read secret file: %v", err) // names the path, holds no content
		return "", false
	}
	value := strings.TrimRight(string(data), "\r\n")
	if value == "" {
		d.fail(f.entry, "secret file %s is empty", path)
		return "", false
	}
	if perm := info.Mode().Perm(); perm&0o077 != 0 {
		d.warn("%s: %s: secret file %s is readable by group or others (mode %04o); "+
			"restrict it with chmod 600", d.file, f.entry.key, path, perm)
	}
	d.contents[f.entry.key] = value
	return value, true
}

// maxSecretFile bounds what is read from a secret file.
const maxSecretFile = 64 << 10

// errNotRegular rejects devices and pipes, which could block a read forever.
var errNotRegular = errors.New("not a regular file")

// readSmallFile reads a regular file of at most maxSecretFile bytes.
func readSmallFile(path string) ([]byte, os.FileInfo, error) {
	// Check before opening: opening a FIFO or a terminal can block.
	if info, err := os.Stat(path); err != nil {
		return nil, nil, err
	} else if !info.Mode().IsRegular() {
		return nil, nil, fmt.Errorf("%s: %w", path, errNotRegular)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	info, err := f.Stat()
	switch {
	case err != nil:
		return nil, nil, err
	case !info.Mode().IsRegular():
		return nil, nil, fmt.Errorf("%s: %w", path, errNotRegular)
	case info.Size() > maxSecretFile:
		return nil, nil, fmt.Errorf("%s: larger than %d bytes", path, maxSecretFile)
	}
	data, err := io.ReadAll(io.LimitReader(f, maxSecretFile))
	return data, info, err
}

// secretPath resolves a *_file value. Absolute paths stay as they are; a bare name is first
// looked for in $CREDENTIALS_DIRECTORY (systemd LoadCredential=); everything else is relative
// to the configuration file's folder.
func secretPath(name, configDir string) string {
	if filepath.IsAbs(name) {
		return name
	}
	if dir := os.Getenv("CREDENTIALS_DIRECTORY"); dir != "" && !strings.ContainsRune(name, '/') {
		p := filepath.Join(dir, name)
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	return filepath.Join(configDir, name)
}

// validWebhookSecret reports whether s is "whsec_" followed by non-empty base64.
func validWebhookSecret(s string) bool {
	b64, ok := strings.CutPrefix(s, "whsec_")
	if !ok || b64 == "" {
		return false
	}
	if _, err := base64.StdEncoding.DecodeString(b64); err == nil {
		return true
	}
	_, err := base64.RawStdEncoding.DecodeString(b64)
	return err == nil
}
