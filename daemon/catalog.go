package daemon

import (
	"context"
	"errors"
	"fmt"

	"github.com/leverbright/leverbright/lever"
)

// ensurePosition pushes a posting as a position the first time the relay meets it; the full
// resync keeps known ones fresh.
func (d *Daemon) ensurePosition(ctx context.Context, dp *deps, postingID string) error {
	known, err := d.pushedBefore(hashPosting, postingID)
	if known || err != nil {
		return err
	}
	p, err := dp.lever.GetPosting(ctx, postingID)
	if errors.Is(err, lever.ErrNotFound) {
		d.log.Debug("posting gone, position not pushed", "posting_id", postingID)
		return nil
	}
	if err != nil {
		return fmt.Errorf("fetch posting %s: %w", postingID, err)
	}
	return d.pushPosition(ctx, dp, p)
}

// pushPosition upserts a position unless it is unchanged since the last push.
func (d *Daemon) pushPosition(ctx context.Context, dp *deps, p lever.Posting) error {
	email, err := d.userEmail(ctx, dp, p.HiringManager)
	if err != nil {
		return err
	}
	return d.pushPositionWith(ctx, dp, p, email)
}

// pushPositionWith upserts a position whose hiring manager's email is known.
func (d *Daemon) pushPositionWith(ctx context.Context, dp *deps, p lever.Posting, email string) error {
	rec := toPosition(p, email)
	return d.pushIfChanged(hashPosting, p.ID, hashPosition(rec), func() error {
		return dp.bh.UpsertPosition(ctx, rec)
	})
}

// userEmail is a Lever user's email, or "" when the user is unset or gone.
func (d *Daemon) userEmail(ctx context.Context, dp *deps, userID string) (string, error) {
	if userID == "" {
		return "", nil
	}
	u, err := dp.lever.GetUser(ctx, userID)
	if errors.Is(err, lever.ErrNotFound) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("fetch user %s: %w", userID, err)
	}
	return u.Email, nil
}

// ensureCallGuide pushes a feedback template as a call guide the first time it is met.
func (d *Daemon) ensureCallGuide(ctx context.Context, dp *deps, templateID string) error {
	known, err := d.pushedBefore(hashTemplate, templateID)
	if known || err != nil {
		return err
	}
	return d.refreshCallGuide(ctx, dp, templateID)
}

// refreshCallGuide reads a feedback template and pushes it when it changed.
func (d *Daemon) refreshCallGuide(ctx context.Context, dp *deps, templateID string) error {
	t, err := dp.lever.GetFeedbackTemplate(ctx, templateID)
	if errors.Is(err, lever.ErrNotFound) {
		d.log.Debug("feedback template gone, call guide not pushed", "template_id", templateID)
		return nil
	}
	if err != nil {
		return fmt.Errorf("fetch feedback template %s: %w", templateID, err)
	}
	rec := toCallGuide(t)
	return d.pushIfChanged(hashTemplate, t.ID, hashCallGuide(rec), func() error {
		return dp.bh.UpsertCallGuide(ctx, rec)
	})
}

// pushedBefore reports whether a record of kind was ever pushed; an empty id counts as known.
func (d *Daemon) pushedBefore(kind, id string) (bool, error) {
	if id == "" {
		return true, nil
	}
	_, ok, err := d.store.PushedHash(kind, id)
	if err != nil {
		return false, fmt.Errorf("read %s hash %s: %w", kind, id, err)
	}
	return ok, nil
}

// pushIfChanged runs push when hash differs from the last pushed one, then records it.
func (d *Daemon) pushIfChanged(kind, id, hash string, push func() error) error {
	prev, ok, err := d.store.PushedHash(kind, id)
	if err != nil {
		return fmt.Errorf("read %s hash %s: %w", kind, id, err)
	}
	if ok && prev == hash {
		return nil
	}
	if err := push(); err != nil {
		return outage(fmt.Errorf("upsert %s %s: %w", kind, id, err))
	}
	return d.store.SetPushedHash(kind, id, hash)
}
