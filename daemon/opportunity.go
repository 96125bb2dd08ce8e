package daemon

import (
	"context"
	"errors"
	"fmt"

	"github.com/leverbright/leverbright/lever"
	"github.com/leverbright/leverbright/store"
)

// oppSnapshot is what a reconciliation pass keeps of a listed opportunity, so syncing it
// costs one more Lever call (its interviews) and not two.
type oppSnapshot struct {
	ID        string     `json:"id"`
	ContactID string     `json:"contact_id"`
	Name      string     `json:"name,omitempty"`
	Emails    []string   `json:"emails,omitempty"`
	Phones    []string   `json:"phones,omitempty"`
	StageID   string     `json:"stage_id,omitempty"`
	StageText string     `json:"stage_text,omitempty"`
	Posting   string     `json:"posting,omitempty"`
	Archived  bool       `json:"archived,omitempty"`
	UpdatedAt lever.Time `json:"updated_at"`
}

func snapshotOf(o lever.Opportunity) *oppSnapshot {
	s := &oppSnapshot{
		ID: o.ID, ContactID: o.Contact.ID, Name: o.Name, Emails: o.Emails, Phones: phones(o.Phones),
		StageID: o.Stage.ID, Posting: postingOf(o), Archived: o.Archived != nil, UpdatedAt: o.UpdatedAt,
	}
	if o.Stage.Stage != nil {
		s.StageText = o.Stage.Stage.Text
	}
	return s
}

// opportunity rebuilds the parts of a Lever opportunity the relay maps.
func (s *oppSnapshot) opportunity() lever.Opportunity {
	o := lever.Opportunity{
		ID: s.ID, Name: s.Name, Emails: s.Emails, UpdatedAt: s.UpdatedAt,
		Contact: lever.ContactRef{ID: s.ContactID},
		Stage:   lever.StageRef{ID: s.StageID, Stage: &lever.Stage{ID: s.StageID, Text: s.StageText}},
	}
	for _, p := range s.Phones {
		o.Phones = append(o.Phones, lever.Phone{Value: p})
	}
	if s.Posting != "" {
		o.Applications = []lever.ApplicationRef{{Application: &lever.Application{Posting: s.Posting}}}
	}
	if s.Archived {
		o.Archived = &lever.Archived{}
	}
	return o
}

// syncOpportunity brings all of one opportunity's interviews in step: new and changed ones
// are pushed, ones Lever no longer lists are deleted.
func (d *Daemon) syncOpportunity(ctx context.Context, j oppJob) error {
	dp := d.current()
	if dp.bh == nil {
		return nil
	}
	if done, err := d.syncedAlready(j); done || err != nil {
		return err
	}
	opp, gone, err := d.opportunityFor(ctx, dp, j)
	if gone || err != nil {
		return err
	}
	if err := d.candidateFor(ctx, dp, opp, j.Siblings); err != nil {
		return err
	}
	seen := map[string]bool{}
	for iv, err := range dp.lever.ListInterviews(ctx, opp.ID) {
		if errors.Is(err, lever.ErrNotFound) {
			return d.removeOpportunity(ctx, opp.ID)
		}
		if err != nil {
			return fmt.Errorf("list interviews of %s: %w", opp.ID, err)
		}
		seen[iv.ID] = true
		if err := d.pushInterview(ctx, dp, opp, iv, j.Origin); err != nil {
			return err
		}
	}
	if err := d.deleteVanished(ctx, opp.ID, seen); err != nil {
		return err
	}
	return d.store.PutOpportunity(store.OpportunityState{
		ID: opp.ID, ContactID: opp.Contact.ID, UpdatedAt: int64(opp.UpdatedAt),
	})
}

// syncedAlready reports whether an earlier copy of this listed opportunity was synced, as
// when passes queue the same change while the queue is held up.
func (d *Daemon) syncedAlready(j oppJob) (bool, error) {
	if j.Force || j.Snapshot == nil {
		return false, nil
	}
	st, ok, err := d.store.Opportunity(j.OpportunityID)
	if err != nil {
		return false, fmt.Errorf("read opportunity %s: %w", j.OpportunityID, err)
	}
	return ok && !st.Deleted && st.UpdatedAt >= int64(j.Snapshot.UpdatedAt), nil
}

// candidateFor pushes the opportunity's candidate from the sweep's snapshots when it has
// them, else through ensureCandidate.
func (d *Daemon) candidateFor(ctx context.Context, dp *deps, opp lever.Opportunity, siblings []*oppSnapshot) error {
	if len(siblings) == 0 {
		return d.ensureCandidate(ctx, dp, opp)
	}
	opps := make([]lever.Opportunity, 0, len(siblings))
	for _, s := range siblings {
		opps = append(opps, s.opportunity())
	}
	if err := d.pushCandidate(ctx, dp, opp.Contact.ID, opps); err != nil {
		return err
	}
	return d.store.SetPushedHash(hashOpportunity, opp.ID, applicationHash(opp))
}

// opportunityFor is the job's snapshot, or the opportunity read from Lever; gone reports that
// Lever no longer has it and it was removed.
func (d *Daemon) opportunityFor(ctx context.Context, dp *deps, j oppJob) (lever.Opportunity, bool, error) {
	if j.Snapshot != nil {
		return j.Snapshot.opportunity(), false, nil
	}
	return d.fetchOpportunity(ctx, dp, j.OpportunityID)
}

// deleteVanished deletes the linked interviews of an opportunity that Lever no longer lists.
func (d *Daemon) deleteVanished(ctx context.Context, oppID string, seen map[string]bool) error {
	links, err := d.store.InterviewsOf(oppID)
	if err != nil {
		return fmt.Errorf("read links of %s: %w", oppID, err)
	}
	for _, l := range links {
		if l.Deleted || seen[l.InterviewID] {
			continue
		}
		if err := d.deleteInterview(ctx, oppID, l.InterviewID); err != nil {
			return err
		}
	}
	return nil
}

// checkOpportunityGone handles an opportunity a full sweep no longer listed: Lever is asked
// once more, and only a 404 removes it.
func (d *Daemon) checkOpportunityGone(ctx context.Context, j oppJob) error {
	j.Force = true
	return d.syncOpportunity(ctx, j)
}

// removeOpportunity deletes every linked interview of a deleted opportunity, marks it deleted
// and pushes its candidate without it.
func (d *Daemon) removeOpportunity(ctx context.Context, oppID string) error {
	dp := d.current()
	if dp.bh == nil {
		return nil
	}
	if err := d.deleteVanished(ctx, oppID, nil); err != nil {
		return err
	}
	st, _, err := d.store.Opportunity(oppID)
	if err != nil {
		return fmt.Errorf("read opportunity %s: %w", oppID, err)
	}
	st.ID, st.Deleted = oppID, true
	if err := d.store.PutOpportunity(st); err != nil {
		return fmt.Errorf("record opportunity %s deleted: %w", oppID, err)
	}
	return d.refreshCandidate(ctx, dp, st.ContactID)
}
