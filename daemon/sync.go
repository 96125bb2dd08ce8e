package daemon

import (
	"context"
	"errors"
	"fmt"

	"github.com/leverbright/leverbright/brighthire"
	"github.com/leverbright/leverbright/lever"
	"github.com/leverbright/leverbright/store"
)

// expandOpp is what the relay asks Lever to expand on opportunities: the posting comes from
// the applications, the stage name from the stage.
var expandOpp = []string{"applications", "stage"}

// Kinds of pushed-record hashes kept in the store.
const (
	hashPosting     = "posting"
	hashContact     = "contact"
	hashTemplate    = "template"
	hashOpportunity = "opportunity"
)

// syncInterview reads one interview and its opportunity from Lever and pushes the interview.
// A 404 on either means it is gone, and BrightHire is told so.
func (d *Daemon) syncInterview(ctx context.Context, oppID, ivID, origin string) error {
	dp := d.current()
	if dp.bh == nil {
		return nil
	}
	opp, gone, err := d.fetchOpportunity(ctx, dp, oppID)
	if gone || err != nil {
		return err
	}
	iv, err := dp.lever.GetInterview(ctx, oppID, ivID)
	if errors.Is(err, lever.ErrNotFound) {
		return d.interviewNotFound(ctx, oppID, ivID, origin)
	}
	if err != nil {
		return fmt.Errorf("fetch interview %s: %w", ivID, err)
	}
	if err := d.ensureCandidate(ctx, dp, opp); err != nil {
		return err
	}
	return d.pushInterview(ctx, dp, opp, iv, origin)
}

// pushInterview upserts an interview with its position and call guide, unless what would be
// sent is unchanged since the last push.
func (d *Daemon) pushInterview(ctx context.Context, dp *deps, opp lever.Opportunity, iv lever.Interview, origin string) error {
	if err := d.ensurePosition(ctx, dp, interviewPosting(opp, iv)); err != nil {
		return err
	}
	if err := d.ensureCallGuide(ctx, dp, iv.FeedbackTemplate); err != nil {
		return err
	}
	rec := toInterview(opp, iv)
	if err := d.fillInterviewers(ctx, dp, rec.Interviewers); err != nil {
		return err
	}
	hash := hashInterview(rec)
	link, ok, err := d.store.InterviewLink(iv.ID)
	if err != nil {
		return fmt.Errorf("read interview link %s: %w", iv.ID, err)
	}
	if ok && !link.Deleted && link.Hash == hash && link.BrightHireID != "" {
		return nil
	}
	id, err := dp.bh.UpsertInterview(ctx, rec)
	if err != nil {
		return outage(fmt.Errorf("upsert interview %s: %w", iv.ID, err))
	}
	d.countPush(origin, ok && !link.Deleted)
	return d.store.PutInterviewLink(store.InterviewLink{
		InterviewID: iv.ID, OpportunityID: opp.ID, BrightHireID: id, Hash: hash, UpdatedAt: d.now(),
	})
}

// countPush counts an interview push, and separately one that a reconcile pass found, or a
// full sweep found changed: those are changes no webhook brought. The pushes of a first
// backfill are not counted as caught.
func (d *Daemon) countPush(origin string, linked bool) {
	d.metrics.interviewPushed(origin)
	if origin == originReconcile || (origin == originFullResync && linked) {
		d.status.caught.Add(1)
	}
}

// fillInterviewers looks up the email of an interviewer the interview lists without one.
func (d *Daemon) fillInterviewers(ctx context.Context, dp *deps, ivs []brighthire.Interviewer) error {
	for i := range ivs {
		if ivs[i].Email != "" || ivs[i].ExternalUserID == "" {
			continue
		}
		u, err := dp.lever.GetUser(ctx, ivs[i].ExternalUserID)
		if errors.Is(err, lever.ErrNotFound) {
			continue
		}
		if err != nil {
			return fmt.Errorf("fetch user %s: %w", ivs[i].ExternalUserID, err)
		}
		ivs[i].Email, ivs[i].Name = u.Email, firstNonEmpty(ivs[i].Name, u.Name)
	}
	return nil
}

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// interviewNotFound handles Lever's 404 for an interview under an opportunity. The pair comes
// from a delivery, whose data the signature does not cover: when the interview is linked to
// another opportunity, it is read again there, and only a 404 under its own opportunity
// deletes it.
func (d *Daemon) interviewNotFound(ctx context.Context, oppID, ivID, origin string) error {
	link, ok, err := d.store.InterviewLink(ivID)
	if err != nil {
		return fmt.Errorf("read interview link %s: %w", ivID, err)
	}
	if ok && !link.Deleted && link.OpportunityID != "" && link.OpportunityID != oppID {
		d.log.Warn("delivery named an interview with another opportunity, reading it there",
			"interview_id", ivID, "named", oppID, "linked", link.OpportunityID)
		return d.syncInterview(ctx, link.OpportunityID, ivID, origin)
	}
	return d.deleteInterview(ctx, oppID, ivID)
}

// deleteInterview tells BrightHire a Lever interview is gone and tombstones its link.
func (d *Daemon) deleteInterview(ctx context.Context, oppID, ivID string) error {
	dp := d.current()
	if err := dp.bh.DeleteInterview(ctx, ivID); err != nil {
		return outage(fmt.Errorf("delete interview %s: %w", ivID, err))
	}
	_, ok, err := d.store.InterviewLink(ivID)
	if err != nil {
		return fmt.Errorf("read interview link %s: %w", ivID, err)
	}
	if !ok {
		return d.store.PutInterviewLink(store.InterviewLink{
			InterviewID: ivID, OpportunityID: oppID, UpdatedAt: d.now(), Deleted: true,
		})
	}
	d.metrics.interviewDeleted()
	d.log.Info("interview deleted in brighthire", "interview_id", ivID, "opportunity_id", oppID)
	return d.store.TombstoneInterview(ivID, d.now())
}

// refreshOpportunity re-reads an opportunity after a candidate event and pushes its candidate.
func (d *Daemon) refreshOpportunity(ctx context.Context, oppID string) error {
	dp := d.current()
	if dp.bh == nil {
		return nil
	}
	opp, gone, err := d.fetchOpportunity(ctx, dp, oppID)
	if gone || err != nil {
		return err
	}
	return d.refreshCandidate(ctx, dp, opp.Contact.ID)
}

// fetchOpportunity reads an opportunity from Lever. When Lever no longer has it, it is removed
// here and gone is true.
func (d *Daemon) fetchOpportunity(ctx context.Context, dp *deps, oppID string) (lever.Opportunity, bool, error) {
	opp, err := dp.lever.GetOpportunity(ctx, oppID, expandOpp...)
	if errors.Is(err, lever.ErrNotFound) {
		return opp, true, d.removeOpportunity(ctx, oppID)
	}
	if err != nil {
		return opp, false, fmt.Errorf("fetch opportunity %s: %w", oppID, err)
	}
	return opp, false, nil
}

// ensureCandidate pushes the opportunity's candidate when what it holds of this
// opportunity changed since the last push.
func (d *Daemon) ensureCandidate(ctx context.Context, dp *deps, opp lever.Opportunity) error {
	prev, ok, err := d.store.PushedHash(hashOpportunity, opp.ID)
	if err != nil {
		return fmt.Errorf("read opportunity hash %s: %w", opp.ID, err)
	}
	if ok && prev == applicationHash(opp) {
		return nil
	}
	return d.refreshCandidate(ctx, dp, opp.Contact.ID)
}

// refreshCandidate pushes a contact as a candidate with one application per opportunity.
func (d *Daemon) refreshCandidate(ctx context.Context, dp *deps, contactID string) error {
	if contactID == "" {
		return nil
	}
	opps, err := d.contactOpportunities(ctx, dp, contactID)
	if err != nil {
		return err
	}
	for _, o := range opps {
		if err := d.ensurePosition(ctx, dp, postingOf(o)); err != nil {
			return err
		}
	}
	if err := d.pushCandidate(ctx, dp, contactID, opps); err != nil {
		return err
	}
	for _, o := range opps {
		if err := d.store.SetPushedHash(hashOpportunity, o.ID, applicationHash(o)); err != nil {
			return fmt.Errorf("record opportunity hash %s: %w", o.ID, err)
		}
	}
	return nil
}

func (d *Daemon) contactOpportunities(ctx context.Context, dp *deps, contactID string) ([]lever.Opportunity, error) {
	var opps []lever.Opportunity
	q := lever.OpportunityQuery{ContactID: contactID, Expand: expandOpp}
	for o, err := range dp.lever.ListOpportunities(ctx, q) {
		if err != nil {
			return nil, fmt.Errorf("list opportunities of contact %s: %w", contactID, err)
		}
		opps = append(opps, o)
	}
	return opps, nil
}

func (d *Daemon) pushCandidate(ctx context.Context, dp *deps, contactID string, opps []lever.Opportunity) error {
	rec := toCandidate(contactID, opps)
	return d.pushIfChanged(hashContact, contactID, hashCandidate(rec), func() error {
		return dp.bh.UpsertCandidate(ctx, rec)
	})
}
