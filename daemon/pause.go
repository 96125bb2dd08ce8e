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
	mu     sync.Mutex
	until  time.Time
	streak int
	reason string
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

// extend pauses until now+d and reports whether this starts a new streak of failures.
func (p *pauseState) extend(now time.Time, d time.Duration, reason string) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.streak++
	p.until, p.reason = now.Add(d), reason
	return p.streak == 1
}

// clear ends the pause and returns the reason of the streak it ended, if any.
func (p *pauseState) clear() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	was := ""
	if p.streak > 0 {
		was = p.reason
	}
	p.streak, p.until, p.reason = 0, time.Time{}, ""
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
		if d.pause.extend(d.now(), credentialPause, reason) {
			d.log.Error(svc+" refuses the configured credentials, pausing the queue", "err", err)
		}
	case errors.As(err, &oe):
		wait := min(d.backoff(d.pauseStreak()+1), 30*time.Second)
		if d.pause.extend(d.now(), wait, "brighthire unreachable") {
			d.log.Warn("brighthire unreachable, pausing the queue", "err", err)
		}
	}
}

func (d *Daemon) pauseStreak() int {
	d.pause.mu.Lock()
	defer d.pause.mu.Unlock()
	return d.pause.streak
}

// recovered ends a pause after work succeeded.
func (d *Daemon) recovered() {
	if was := d.pause.clear(); was != "" {
		d.log.Info("queue resumed", "after", was)
	}
}
