package daemon

import (
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/leverbright/leverbright/store"
)

// adminMux serves the local admin listener: health, metrics, status and the CLI's calls.
func (d *Daemon) adminMux() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { writeText(w, http.StatusOK, "ok") })
	mux.HandleFunc("GET /readyz", d.handleReady)
	mux.Handle("GET /metrics", d.metrics.handler())
	mux.HandleFunc("GET /status", func(w http.ResponseWriter, _ *http.Request) { writeJSON(w, http.StatusOK, d.Status()) })
	mux.HandleFunc("POST /admin/sync", d.handleSync)
	mux.HandleFunc("POST /admin/reload", d.handleReload)
	mux.HandleFunc("GET /admin/deadletters", d.handleDeadLetters)
	mux.HandleFunc("POST /admin/deadletters/retry", d.deadLetterOp(d.retryDeadLetter))
	mux.HandleFunc("POST /admin/deadletters/drop", d.deadLetterOp(d.dropDeadLetter))
	mux.HandleFunc("POST /admin/deadletters/retry-all", d.handleRetryAll)
	mux.HandleFunc("GET /admin/webhooks", d.handleWebhookList)
	mux.HandleFunc("POST /admin/webhooks/register", d.handleWebhookRegister)
	mux.HandleFunc("GET /admin/backup", d.handleBackup)
	return guardAdmin(mux)
}

// AdminHeader marks every answer of the admin listener, so the CLI can tell it from another
// server on that address.
const AdminHeader = "Leverbright-Admin"

// guardAdmin keeps web pages out of the admin calls. The listener has no authentication and
// is meant for loopback, so what reaches it from a browser on the same machine must not act:
// a request with an Origin (a page's fetch or form) or from another site is refused, and so
// is one whose Host is a name other than localhost (a DNS rebinding page). Health, readiness,
// metrics and status stay open to monitors.
func guardAdmin(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set(AdminHeader, Version)
		if strings.HasPrefix(r.URL.Path, "/admin/") && !fromLocalTool(r) {
			writeText(w, http.StatusForbidden, "admin calls are taken from local tools only")
			return
		}
		next.ServeHTTP(w, r)
	})
}

// fromLocalTool reports whether r looks like the CLI or curl, not a browser page.
func fromLocalTool(r *http.Request) bool {
	if r.Header.Get("Origin") != "" || r.Header.Get("Sec-Fetch-Site") == "cross-site" {
		return false
	}
	host, _, err := net.SplitHostPort(r.Host)
	if err != nil {
		host = r.Host
	}
	return host == "localhost" || net.ParseIP(strings.Trim(host, "[]")) != nil
}

func (d *Daemon) handleReady(w http.ResponseWriter, _ *http.Request) {
	if !d.Ready() {
		writeText(w, http.StatusServiceUnavailable, "not ready")
		return
	}
	writeText(w, http.StatusOK, "ready")
}

func (d *Daemon) handleSync(w http.ResponseWriter, r *http.Request) {
	full := r.URL.Query().Get("full") == "true"
	err := d.TriggerSync(full)
	if errors.Is(err, ErrPassRunning) {
		writeText(w, http.StatusConflict, "a pass of that kind is already running")
		return
	}
	writeText(w, http.StatusAccepted, "started")
}

func (d *Daemon) handleReload(w http.ResponseWriter, _ *http.Request) {
	if err := d.Reload(); err != nil {
		writeText(w, http.StatusUnprocessableEntity, err.Error())
		return
	}
	writeText(w, http.StatusOK, "reloaded")
}

// DeadLetterView is a dead letter as the admin API lists it, without its body.
type DeadLetterView struct {
	ID       uint64    `json:"id"`
	Source   string    `json:"source"`
	Kind     string    `json:"kind"`
	Key      string    `json:"key"`
	Attempts int       `json:"attempts"`
	Reason   string    `json:"reason"`
	Received time.Time `json:"received_at"`
	DeadAt   time.Time `json:"dead_at"`
}

func (d *Daemon) handleDeadLetters(w http.ResponseWriter, _ *http.Request) {
	dls, err := d.store.DeadLetters()
	if err != nil {
		writeText(w, http.StatusInternalServerError, err.Error())
		return
	}
	out := make([]DeadLetterView, 0, len(dls))
	for _, dl := range dls {
		out = append(out, DeadLetterView{
			ID: dl.ID, Source: dl.Source, Kind: dl.Kind, Key: dl.Key, Attempts: dl.Attempts,
			Reason: dl.Reason, Received: dl.ReceivedAt, DeadAt: dl.DeadAt,
		})
	}
	writeJSON(w, http.StatusOK, out)
}

func (d *Daemon) retryDeadLetter(id uint64) error {
	err := d.store.RetryDeadLetter(id)
	d.kick()
	return err
}

func (d *Daemon) dropDeadLetter(id uint64) error { return d.store.DropDeadLetter(id) }

// deadLetterOp serves a call on one dead letter named by ?id=.
func (d *Daemon) deadLetterOp(op func(uint64) error) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, err := strconv.ParseUint(r.URL.Query().Get("id"), 10, 64)
		if err != nil {
			writeText(w, http.StatusBadRequest, "id must be a dead letter id")
			return
		}
		err = op(id)
		switch {
		case errors.Is(err, store.ErrNotFound):
			writeText(w, http.StatusNotFound, "no such dead letter")
		case err != nil:
			writeText(w, http.StatusInternalServerError, err.Error())
		default:
			writeText(w, http.StatusOK, "ok")
		}
	}
}

func (d *Daemon) handleRetryAll(w http.ResponseWriter, _ *http.Request) {
	n, err := d.store.RetryAllDeadLetters()
	if err != nil {
		writeText(w, http.StatusInternalServerError, err.Error())
		return
	}
	d.kick()
	writeJSON(w, http.StatusOK, map[string]int{"retried": n})
}

func (d *Daemon) handleBackup(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/octet-stream")
	if _, err := d.store.Backup(w); err != nil {
		d.log.Error("stream backup", "err", err)
	}
}

func writeText(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(msg + "\n"))
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}
