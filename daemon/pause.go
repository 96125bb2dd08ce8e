package daemon

import (
	"errors"
	"net/http"
	"sync"
	"time"

	"github.com/leverbright/leverbright/brighthire"
	"github.com/leverbright/leverbright/lever"
)

// credentialPause is how long the queue waits after a service refused the daemon's
// credentials; a config reload ends the wait at once.
const credentialPause = time.Minute

// pauseState holds the queue while work cannot succeed: BrightHire unreachable, or a service
// refusing the daemon's credentials. One probe at a time then finds out when it can go on,
// instead of every queued item failing and burning its attempts.
type pauseState struct {
	mu      sync.Mutex
	until   time.Time
	streak  int
	service string // the service whose failure paused the queue
	reason  string
}

func (p *pauseState) active(now time.Time) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return now.Before(p.until)
}

// why is the reason of a pause in force at now, or "".
func (p *pauseState) why(now time.Time) string {
	p.mu.Lock()
	defer p.mu.Unlock()
	if now.Before(p.until) {
		return p.reason
	}
	return ""
}

// extend pauses until now+d for a failure of service and reports whether this starts a new
// streak of failures.
func (p *pauseState) extend(now time.Time, d time.Duration, service, reason string) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.streak++
	p.until, p.service, p.reason = now.Add(d), service, reason
	return p.streak == 1
}

// clear ends the pause, if service is "" or the one that caused it, and returns the reason of
// the streak it ended, if any.
func (p *pauseState) clear(service string) string {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.streak == 0 || (service != "" && service != p.service) {
		return ""
	}
	was := p.reason
	p.streak, p.until, p.service, p.reason = 0, time.Time{}, "", ""
	return was
}

// refusedBy names the service that refused the daemon's credentials in err, or "".
func refusedBy(err error) string {
	if errors.Is(err, brighthire.ErrUnauthorized) {
		return "brighthire"
	}
	var ae *lever.APIError
	if errors.As(err, &ae) && ae.StatusCode == http.StatusUnauthorized {
		return "lever"
	}
	return ""
}

// notePause pauses the queue after a failure that will fail every item alike.
func (d *Daemon) notePause(err error) {
	var oe *outageError
	switch svc := refusedBy(err); {
	case svc != "":
		reason := svc + " refuses the configured credentials; fix the config, the queue waits"
		if d.pause.extend(d.now(), credentialPause, svc, reason) {
			d.log.Error(svc+" refuses the configured credentials, pausing the queue", "err", err)
		}
	case errors.As(err, &oe):
		wait := min(d.backoff(d.pauseStreak()+1), 30*time.Second)
		if d.pause.extend(d.now(), wait, "brighthire", "brighthire unreachable") {
			d.log.Warn("brighthire unreachable, pausing the queue", "err", err)
		}
	}
}

func (d *Daemon) pauseStreak() int {
	d.pause.mu.Lock()
	defer d.pause.mu.Unlock()
	return d.pause.streak
}

// answered ends a pause caused by service once that service answered a call with success.
// Work that did not need the service proves nothing, so only its own answers count.
func (d *Daemon) answered(service string) {
	if was := d.pause.clear(service); was != "" {
		d.log.Info("queue resumed", "after", was)
	}
}
