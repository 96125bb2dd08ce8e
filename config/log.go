package config

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync/atomic"
)

// ParseLevel reads "debug", "info", "warn" or "error".
func ParseLevel(s string) (slog.Level, error) {
	switch strings.ToLower(s) {
	case "debug":
		return slog.LevelDebug, nil
	case "info", "":
		return slog.LevelInfo, nil
	case "warn":
		return slog.LevelWarn, nil
	case "error":
		return slog.LevelError, nil
	}
	return slog.LevelInfo, fmt.Errorf("parse log level %q: want debug, info, warn or error", s)
}

// NewLogger returns a logger writing to w at level ("debug", "info", "warn", "error") in format
// ("json" or "text"); unknown values fall back to info and json, which Parse never lets
// through. Change the level live with the returned LevelVar and the format with SetLogFormat.
func NewLogger(w io.Writer, level, format string) (*slog.Logger, *slog.LevelVar) {
	lv := new(slog.LevelVar)
	l, _ := ParseLevel(level)
	lv.Set(l)
	return slog.New(NewSwitchHandler(w, lv, format)), lv
}

// SetLogFormat switches a logger made by NewLogger, and every logger derived from it, to
// "json" or "text". It fails for other formats and for loggers not made by NewLogger.
func SetLogFormat(l *slog.Logger, format string) error {
	h, ok := l.Handler().(*SwitchHandler)
	if !ok {
		return fmt.Errorf("set log format: logger was not made by config.NewLogger")
	}
	return h.SetFormat(format)
}

// SwitchHandler is a slog.Handler that writes JSON or text and can change between them while
// in use. Handlers derived with WithAttrs and WithGroup share the switch.
type SwitchHandler struct {
	mode *atomic.Bool
	json slog.Handler
	txt  slog.Handler
}

// NewSwitchHandler returns a handler writing to w at the level held by lv, starting in format
// ("text" or anything else for JSON).
func NewSwitchHandler(w io.Writer, lv *slog.LevelVar, format string) *SwitchHandler {
	opts := &slog.HandlerOptions{Level: lv}
	h := &SwitchHandler{
		mode: new(atomic.Bool),
		json: slog.NewJSONHandler(w, opts),
		txt:  slog.NewTextHandler(w, opts),
	}
	h.mode.Store(format == "text")
	return h
}

// SetFormat switches to "json" or "text" for this handler and all handlers sharing it.
func (h *SwitchHandler) SetFormat(format string) error {
	switch format {
	case "json", "text":
		h.mode.Store(format == "text")
		return nil
	}
	return fmt.Errorf("set log format %q: want json or text", format)
}

// Format returns "json" or "text".
func (h *SwitchHandler) Format() string {
	if h.mode.Load() {
		return "text"
	}
	return "json"
}

func (h *SwitchHandler) current() slog.Handler {
	if h.mode.Load() {
		return h.txt
	}
	return h.json
}

// Enabled reports whether the shared level lets records of level through.
func (h *SwitchHandler) Enabled(ctx context.Context, level slog.Level) bool {
	return h.current().Enabled(ctx, level)
}

// Handle writes the record in the current format.
func (h *SwitchHandler) Handle(ctx context.Context, r slog.Record) error {
	return h.current().Handle(ctx, r)
}

// WithAttrs returns a handler with attrs added to both formats, sharing the switch.
func (h *SwitchHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return &SwitchHandler{mode: h.mode, json: h.json.WithAttrs(attrs), txt: h.txt.WithAttrs(attrs)}
}

// WithGroup returns a handler with the group opened in both formats, sharing the switch.
func (h *SwitchHandler) WithGroup(name string) slog.Handler {
	return &SwitchHandler{mode: h.mode, json: h.json.WithGroup(name), txt: h.txt.WithGroup(name)}
}
