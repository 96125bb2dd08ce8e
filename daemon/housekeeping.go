package daemon

import (
	"context"
	"time"
)

// seenRetention is how long delivery keys are remembered. It is longer than the time Lever
// and BrightHire keep retrying a delivery, so a late redelivery is still recognised; a replay
// older than this is refused anyway by the signature time window.
const seenRetention = 72 * time.Hour

// pruneEvery is how often old delivery keys are dropped.
const pruneEvery = time.Hour

// runHousekeeping drops delivery keys past their retention, at start and then hourly.
func (d *Daemon) runHousekeeping(ctx context.Context) {
	t := time.NewTicker(pruneEvery)
	defer t.Stop()
	for {
		d.pruneSeen()
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func (d *Daemon) pruneSeen() {
	n, err := d.store.PruneSeen(d.now().Add(-seenRetention))
	if err != nil {
		d.log.Error("prune delivery keys", "err", err)
		return
	}
	if n > 0 {
		d.log.Debug("pruned delivery keys", "count", n)
	}
}
