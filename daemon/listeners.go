package daemon

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/leverbright/leverbright/config"
)

// server is one bound HTTP listener.
type server struct {
	addr string
	srv  *http.Server
	done chan struct{}
}

// listeners holds the public webhook listener and the local admin listener.
type listeners struct {
	mu       sync.Mutex
	webhooks *server
	admin    *server
	tlsKey   string // cert and key file names in force, to see when a reload changes them
}

// newHTTPServer sets timeouts so a slow client cannot hold a connection.
func newHTTPServer(h http.Handler) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       15 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       60 * time.Second,
		MaxHeaderBytes:    64 << 10,
	}
}

// bindListeners binds both listeners; an address in use is an error before anything is served.
func (d *Daemon) bindListeners(cfg *config.Config) (*listeners, error) {
	wh, err := d.startWebhooks(cfg)
	if err != nil {
		return nil, err
	}
	admin, err := d.startServer(cfg.Listen.Admin, d.adminMux(), nil)
	if err != nil {
		wh.close(time.Second)
		return nil, fmt.Errorf("bind admin listener: %w", err)
	}
	return &listeners{webhooks: wh, admin: admin, tlsKey: tlsKey(cfg)}, nil
}

func tlsKey(cfg *config.Config) string {
	return cfg.Listen.TLSCertFile + "\x00" + cfg.Listen.TLSKeyFile
}

// startWebhooks binds the public listener, with TLS when a certificate and key are configured.
func (d *Daemon) startWebhooks(cfg *config.Config) (*server, error) {
	var tc *tls.Config
	if cfg.Listen.TLSCertFile != "" {
		cert, err := tls.LoadX509KeyPair(cfg.Listen.TLSCertFile, cfg.Listen.TLSKeyFile)
		if err != nil {
			return nil, fmt.Errorf("load tls certificate: %w", err)
		}
		tc = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	}
	s, err := d.startServer(cfg.Listen.Webhooks, d.webhookMux(), tc)
	if err != nil {
		return nil, fmt.Errorf("bind webhook listener: %w", err)
	}
	return s, nil
}

// startServer binds addr and serves h on it in the background.
func (d *Daemon) startServer(addr string, h http.Handler, tc *tls.Config) (*server, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	if tc != nil {
		ln = tls.NewListener(ln, tc)
	}
	s := &server{addr: ln.Addr().String(), srv: newHTTPServer(h), done: make(chan struct{})}
	s.srv.ErrorLog = slogErrorLog(d.log)
	go func() {
		defer close(s.done)
		if err := s.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			d.log.Error("serve http", "addr", s.addr, "err", err)
		}
	}()
	return s, nil
}

// close stops accepting, lets requests in flight finish within limit, and waits for the server.
func (s *server) close(limit time.Duration) {
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	if err := s.srv.Shutdown(ctx); err != nil {
		_ = s.srv.Close()
	}
	<-s.done
}

func (l *listeners) webhookAddr() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.webhooks.addr
}

func (l *listeners) adminAddr() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.admin.addr
}

func (l *listeners) closeWebhooks(limit time.Duration) {
	l.mu.Lock()
	s := l.webhooks
	l.mu.Unlock()
	s.close(limit)
}

func (l *listeners) closeAdmin(limit time.Duration) {
	l.mu.Lock()
	s := l.admin
	l.mu.Unlock()
	s.close(limit)
}

// rebind moves listeners whose address or certificate changed. Every new listener is bound
// before any old one closes: if one cannot bind, the others bound so far are closed again and
// the old ones go on serving, so a refused reload changes nothing.
func (d *Daemon) rebind(old, cfg *config.Config) error {
	l := d.listeners
	var wh, admin *server
	var err error
	if cfg.Listen.Webhooks != old.Listen.Webhooks || tlsKey(cfg) != l.tlsKey {
		if wh, err = d.startWebhooks(cfg); err != nil {
			return err
		}
	}
	if cfg.Listen.Admin != old.Listen.Admin {
		if admin, err = d.startServer(cfg.Listen.Admin, d.adminMux(), nil); err != nil {
			if wh != nil {
				wh.close(time.Second)
			}
			return fmt.Errorf("bind admin listener: %w", err)
		}
	}
	if wh != nil {
		l.swap(&l.webhooks, wh, cfg.ShutdownTimeout)
		l.tlsKey = tlsKey(cfg)
	}
	if admin != nil {
		l.swap(&l.admin, admin, cfg.ShutdownTimeout)
	}
	return nil
}

// swap puts next in place of *slot and closes the old server in the background.
func (l *listeners) swap(slot **server, next *server, limit time.Duration) {
	l.mu.Lock()
	old := *slot
	*slot = next
	l.mu.Unlock()
	go old.close(limit)
}
