package daemon

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/leverbright/leverbright/lever"
	"github.com/leverbright/leverbright/store"
)

// overlap is how far before its watermark a pass looks again, for clock skew between the
// daemon and the services and for changes that land while a pass runs.
const overlap = 2 * time.Minute

// reconcile queues every opportunity Lever changed since the watermark and the relay has
// not yet synced at that version. The watermark advances only when the listing succeeds.
func (d *Daemon) reconcile(ctx context.Context) (int, error) {
	last, _, err := d.store.Cursor(store.CursorReconcile)
	if err != nil {
		return 0, fmt.Errorf("read reconcile watermark: %w", err)
	}
	start := d.now()
	q := lever.OpportunityQuery{Expand: expandOpp}
	if !last.IsZero() {
		q.UpdatedAtStart = last.Add(-overlap)
	}
	b := d.newBatcher(0)
	for opp, err := range d.current().lever.ListOpportunities(ctx, q) {
		if err != nil {
			return b.count, fmt.Errorf("list changed opportunities: %w", err)
		}
		changed, err := d.changedSinceSync(opp)
		if err != nil {
			return b.count, err
		}
		if changed {
			if err := b.add(oppItem(opp.ID, oppJob{Origin: originReconcile, Snapshot: snapshotOf(opp)}, kindSyncOpp, start)); err != nil {
				return b.count, err
			}
		}
	}
	if err := b.flush(); err != nil {
		return b.count, err
	}
	return b.count, d.store.SetCursor(store.CursorReconcile, start)
}

// changedSinceSync reports whether Lever's opportunity is newer than the version last synced.
func (d *Daemon) changedSinceSync(opp lever.Opportunity) (bool, error) {
	st, ok, err := d.store.Opportunity(opp.ID)
	if err != nil {
		return false, fmt.Errorf("read opportunity %s: %w", opp.ID, err)
	}
	return !ok || st.Deleted || st.UpdatedAt != int64(opp.UpdatedAt), nil
}

// fullResync sweeps every opportunity: each one's interviews are listed and diffed, postings
// are refreshed, and opportunities no longer listed are checked for deletion. It waits for
// the work it queued, logging progress.
func (d *Daemon) fullResync(ctx context.Context) (int, error) {
	start := d.now()
	id := d.passes.startSweep(start)
	if err := d.refreshPostings(ctx); err != nil {
		return 0, err
	}
	seen, err := d.queueSweep(ctx, id, start)
	if err != nil {
		return len(seen), err
	}
	if err := d.queueVanished(id, seen, start); err != nil {
		return len(seen), err
	}
	if err := d.waitSweep(ctx); err != nil {
		return len(seen), err
	}
	return len(seen), d.finishSweep(start)
}

// refreshPostings pushes every posting whose position changed.
func (d *Daemon) refreshPostings(ctx context.Context) error {
	dp := d.current()
	if dp.bh == nil {
		return nil
	}
	emails, err := d.userEmails(ctx, dp)
	if err != nil {
		return err
	}
	for p, err := range dp.lever.ListPostings(ctx) {
		if err != nil {
			return fmt.Errorf("list postings: %w", err)
		}
		if err := d.pushPositionWith(ctx, dp, p, emails[p.HiringManager]); err != nil {
			return err
		}
	}
	return nil
}

// queueSweep queues a forced sync of every opportunity Lever lists. Each job carries the
// snapshots of all its contact's opportunities, so the candidate is pushed without another
// Lever call; the snapshots are held for the length of the listing only.
func (d *Daemon) queueSweep(ctx context.Context, id int64, now time.Time) (map[string]bool, error) {
	byContact := map[string][]*oppSnapshot{}
	var order []*oppSnapshot
	for opp, err := range d.current().lever.ListOpportunities(ctx, lever.OpportunityQuery{Expand: expandOpp}) {
		if err != nil {
			return nil, fmt.Errorf("list opportunities: %w", err)
		}
		s := snapshotOf(opp)
		byContact[s.ContactID] = append(byContact[s.ContactID], s)
		order = append(order, s)
	}
	seen := make(map[string]bool, len(order))
	b := d.newBatcher(id)
	for _, s := range order {
		seen[s.ID] = true
		j := oppJob{Origin: originFullResync, Force: true, Pass: id, Snapshot: s, Siblings: byContact[s.ContactID]}
		if err := b.add(oppItem(s.ID, j, kindSyncOpp, now)); err != nil {
			return seen, err
		}
	}
	return seen, b.flush()
}

// userEmails maps every Lever user id to its email, for the hiring managers of postings.
func (d *Daemon) userEmails(ctx context.Context, dp *deps) (map[string]string, error) {
	emails := map[string]string{}
	for u, err := range dp.lever.ListUsers(ctx) {
		if err != nil {
			return nil, fmt.Errorf("list users: %w", err)
		}
		emails[u.ID] = u.Email
	}
	return emails, nil
}

// queueVanished queues a check of every known opportunity the sweep did not list.
func (d *Daemon) queueVanished(id int64, seen map[string]bool, now time.Time) error {
	var gone []string
	err := d.store.ForEachOpportunity(func(st store.OpportunityState) error {
		if !st.Deleted && !seen[st.ID] {
			gone = append(gone, st.ID)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("read known opportunities: %w", err)
	}
	b := d.newBatcher(id)
	for _, oppID := range gone {
		j := oppJob{OpportunityID: oppID, Origin: originFullResync, Force: true, Pass: id}
		if err := b.add(oppItem(oppID, j, kindRemoveOpp, now)); err != nil {
			return err
		}
	}
	return b.flush()
}

// waitSweep waits until the sweep's work is done, logging progress every ten seconds.
func (d *Daemon) waitSweep(ctx context.Context) error {
	tick := time.NewTicker(250 * time.Millisecond)
	defer tick.Stop()
	lastLog := d.now()
	for {
		p := d.passes.sweepProgress(d.now())
		if !p.Running {
			return nil
		}
		if d.now().Sub(lastLog) >= 10*time.Second {
			lastLog = d.now()
			d.log.Info("full sweep progress", "done", p.Done, "total", p.Total,
				"per_second", fmt.Sprintf("%.1f", p.Rate), "time_left", p.TimeLeft)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C:
		}
	}
}

// finishSweep moves the watermarks: a finished sweep covers everything up to its start.
func (d *Daemon) finishSweep(start time.Time) error {
	for _, c := range []string{store.CursorFullResync, store.CursorReconcile} {
		if err := d.store.SetCursor(c, start); err != nil {
			return fmt.Errorf("advance %s watermark: %w", c, err)
		}
	}
	return d.store.SetNeedsFullResync(false)
}

// oppItem is a queued opportunity job, ordered with the opportunity's other work.
func oppItem(oppID string, j oppJob, kind string, now time.Time) store.Item {
	j.OpportunityID = oppID
	body, _ := json.Marshal(j)
	return store.Item{
		Source: sourceWork, Kind: kind, Key: oppID, Body: body,
		ContentType: "application/json", ReceivedAt: now, NextAttempt: now,
	}
}

// batcher queues items in groups, counting them into a sweep's total.
type batcher struct {
	d     *Daemon
	sweep int64
	items []store.Item
	count int
}

func (d *Daemon) newBatcher(sweep int64) *batcher { return &batcher{d: d, sweep: sweep} }

func (b *batcher) add(it store.Item) error {
	b.items = append(b.items, it)
	if len(b.items) >= maxItemsPerEnqueue {
		return b.flush()
	}
	return nil
}

func (b *batcher) flush() error {
	if len(b.items) == 0 {
		return nil
	}
	if err := b.d.store.Enqueue(b.items...); err != nil {
		return fmt.Errorf("queue work: %w", err)
	}
	b.count += len(b.items)
	b.d.passes.addSweepTotal(b.sweep, len(b.items))
	b.items = b.items[:0]
	b.d.kick()
	return nil
}
