package daemon

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/leverbright/leverbright/brighthire"
	"github.com/leverbright/leverbright/lever"
	"github.com/leverbright/leverbright/store"
)

// Kinds of work the daemon queues itself; Lever deliveries keep their event name as kind.
const (
	kindForward        = "forward"
	kindNotes          = "notes"
	kindSyncOpp        = "sync_opportunity"
	kindSyncInterview  = "sync_interview"
	kindRemoveOpp      = "remove_opportunity"
	originWebhook      = "webhook"
	originReconcile    = "reconcile"
	originFullResync   = "full_resync"
	maxItemsPerEnqueue = 500
)

// oppJob is the payload of sync_opportunity and remove_opportunity work.
type oppJob struct {
	OpportunityID string `json:"opportunity_id"`
	Origin        string `json:"origin"`
	Force         bool   `json:"force,omitempty"`
	Pass          int64  `json:"pass,omitempty"`

	// Snapshot is the opportunity as a reconciliation pass listed it.
	Snapshot *oppSnapshot `json:"snapshot,omitempty"`

	// Siblings are the snapshots of every opportunity of the same contact, when a full
	// sweep listed them; the candidate is then built from them without asking Lever.
	Siblings []*oppSnapshot `json:"siblings,omitempty"`
}

// interviewJob is the payload of sync_interview work.
type interviewJob struct {
	OpportunityID string `json:"opportunity_id"`
	InterviewID   string `json:"interview_id"`
	Origin        string `json:"origin"`
}

// notesJob is the payload of notes work.
type notesJob struct {
	InterviewID string `json:"interview_id"`
	Version     int    `json:"version"`
}

// handle runs one inbox item.
func (d *Daemon) handle(ctx context.Context, it store.Item) error {
	switch {
	case it.Source == sourceLever:
		return d.handleLeverEvent(ctx, it)
	case it.Kind == kindForward:
		return d.forward(ctx, it)
	case it.Kind == kindNotes:
		var j notesJob
		if err := json.Unmarshal(it.Body, &j); err != nil {
			return permanent(fmt.Errorf("decode notes job: %w", err))
		}
		return d.writeNotes(ctx, j)
	case it.Kind == kindSyncOpp:
		return d.handleOppJob(ctx, it, d.syncOpportunity)
	case it.Kind == kindRemoveOpp:
		return d.handleOppJob(ctx, it, d.checkOpportunityGone)
	case it.Kind == kindSyncInterview:
		var j interviewJob
		if err := json.Unmarshal(it.Body, &j); err != nil {
			return permanent(fmt.Errorf("decode interview job: %w", err))
		}
		return d.syncInterview(ctx, j.OpportunityID, j.InterviewID, j.Origin)
	}
	return permanent(fmt.Errorf("unknown work kind %q", it.Kind))
}

func (d *Daemon) handleOppJob(ctx context.Context, it store.Item, fn func(context.Context, oppJob) error) error {
	var j oppJob
	if err := json.Unmarshal(it.Body, &j); err != nil {
		return permanent(fmt.Errorf("decode opportunity job: %w", err))
	}
	err := fn(ctx, j)
	if err == nil && j.Pass != 0 {
		d.passes.progress(j.Pass, d.now())
	}
	return err
}

// handleLeverEvent treats a delivery as a hint: the objects are read again from Lever, so a
// late, reordered or tampered delivery can at most cause a re-read.
//
// TODO(coalesce): many deliveries about one interview queued together are each read again;
// after one read, the older ones could be dropped. It matters only for bursts of signed
// deliveries about the same object, which cost Lever calls but change nothing.
func (d *Daemon) handleLeverEvent(ctx context.Context, it store.Item) error {
	ev, err := lever.ParseEvent(it.Body)
	if err != nil {
		return permanent(fmt.Errorf("parse stored delivery: %w", err))
	}
	opp := ev.OpportunityID()
	if opp == "" {
		d.log.Debug("delivery without opportunity, nothing to do", "event", ev.Name)
		return nil
	}
	switch ev.Name {
	case lever.EventInterviewCreated, lever.EventInterviewUpdated, lever.EventInterviewDeleted:
		if ev.Data.InterviewID == "" {
			return d.syncOpportunity(ctx, oppJob{OpportunityID: opp, Origin: originWebhook, Force: true})
		}
		return d.syncInterview(ctx, opp, ev.Data.InterviewID, originWebhook)
	}
	return d.refreshOpportunity(ctx, opp)
}

// forward relays a Lever delivery verbatim to the configured BrightHire webhook URL.
func (d *Daemon) forward(ctx context.Context, it store.Item) error {
	dp := d.current()
	url := dp.cfg.BrightHire.ForwardURL
	if url == "" {
		d.log.Info("forward url removed, delivery not relayed", "id", it.ID)
		return nil
	}
	if err := dp.forward.Forward(ctx, url, it.ContentType, it.Body); err != nil {
		return outage(fmt.Errorf("forward delivery: %w", err))
	}
	d.answered("brighthire")
	return nil
}

// outageError marks a failure caused by BrightHire being unreachable or overloaded.
type outageError struct{ err error }

func (e *outageError) Error() string { return e.err.Error() }
func (e *outageError) Unwrap() error { return e.err }

// outage marks err as a BrightHire outage when retrying it later can succeed.
func outage(err error) error {
	if err == nil || brighthire.IsPermanent(err) {
		return err
	}
	return &outageError{err}
}
