package daemon

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"time"

	"github.com/leverbright/leverbright/brighthire"
	"github.com/leverbright/leverbright/lever"
)

// recordHash is the hash of what would be pushed, without its source_updated_at, so an
// unchanged record is not pushed again.
func recordHash(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return ""
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:16])
}

// toPosition maps a Lever posting to a BrightHire position.
func toPosition(p lever.Posting, hiringManagerEmail string) brighthire.Position {
	codes := p.RequisitionCodes
	if len(codes) == 0 && p.ReqCode != "" {
		codes = []string{p.ReqCode}
	}
	return brighthire.Position{
		External:           brighthire.LeverRef(p.ID),
		Title:              p.Text,
		Team:               p.Categories.Team,
		Department:         p.Categories.Department,
		Location:           p.Categories.Location,
		State:              p.State,
		HiringManagerEmail: hiringManagerEmail,
		RequisitionCodes:   codes,
		SourceUpdatedAt:    stamp(p.UpdatedAt, p.CreatedAt),
	}
}

// toCallGuide maps a Lever feedback template to a BrightHire call guide.
func toCallGuide(t lever.FeedbackTemplate) brighthire.CallGuide {
	g := brighthire.CallGuide{
		External:        brighthire.LeverRef(t.ID),
		Name:            t.Text,
		Instructions:    t.Instructions,
		SourceUpdatedAt: stamp(t.UpdatedAt, t.CreatedAt),
	}
	for _, f := range t.Fields {
		g.Questions = append(g.Questions, brighthire.Question{ID: f.ID, Text: f.Text, Guidance: f.Description})
	}
	return g
}

// toCandidate maps a Lever contact, seen through its opportunities, to a BrightHire candidate
// with one application per opportunity.
func toCandidate(contactID string, opps []lever.Opportunity) brighthire.Candidate {
	c := brighthire.Candidate{External: brighthire.LeverRef(contactID)}
	var newest lever.Time
	for _, o := range opps {
		if o.UpdatedAt >= newest {
			newest = o.UpdatedAt
			c.Name, c.Emails, c.Phones = o.Name, o.Emails, phones(o.Phones)
		}
		c.Applications = append(c.Applications, toApplication(o))
	}
	c.SourceUpdatedAt = stamp(newest, 0)
	return c
}

func toApplication(o lever.Opportunity) brighthire.Application {
	a := brighthire.Application{
		External:           brighthire.LeverRef(o.ID),
		PositionExternalID: postingOf(o),
		Stage:              o.Stage.ID,
		Archived:           o.Archived != nil,
	}
	if o.Stage.Stage != nil && o.Stage.Stage.Text != "" {
		a.Stage = o.Stage.Stage.Text
	}
	return a
}

func phones(ps []lever.Phone) []string {
	out := make([]string, 0, len(ps))
	for _, p := range ps {
		out = append(out, p.Value)
	}
	return out
}

// postingOf is the posting an opportunity applied to, when its applications are expanded.
func postingOf(o lever.Opportunity) string {
	for _, a := range o.Applications {
		if a.Application != nil && a.Application.Posting != "" {
			return a.Application.Posting
		}
	}
	return ""
}

// toInterview maps a Lever interview of an opportunity to a BrightHire interview.
func toInterview(o lever.Opportunity, iv lever.Interview) brighthire.Interview {
	out := brighthire.Interview{
		External:              brighthire.External{Source: "lever", ID: iv.ID, PanelID: iv.Panel},
		CandidateExternalID:   o.Contact.ID,
		ApplicationExternalID: o.ID,
		PositionExternalID:    interviewPosting(o, iv),
		CallGuideExternalID:   iv.FeedbackTemplate,
		Title:                 iv.Subject,
		StartAt:               iv.Date.Time().UTC(),
		DurationSeconds:       iv.Duration * 60,
		Timezone:              iv.Timezone,
		Status:                brighthire.StatusScheduled,
		SourceUpdatedAt:       stamp(o.UpdatedAt, iv.CreatedAt),
	}
	if iv.Location != nil {
		out.Location = *iv.Location
	}
	if iv.CanceledAt != nil && *iv.CanceledAt != 0 {
		out.Status = brighthire.StatusCanceled
	}
	for _, p := range iv.Interviewers {
		out.Interviewers = append(out.Interviewers,
			brighthire.Interviewer{Email: p.Email, Name: p.Name, ExternalUserID: p.ID})
	}
	return out
}

func interviewPosting(o lever.Opportunity, iv lever.Interview) string {
	if len(iv.Postings) > 0 {
		return iv.Postings[0]
	}
	return postingOf(o)
}

// stamp is the newer of two Lever times, as the source_updated_at of a pushed record.
func stamp(a, b lever.Time) time.Time {
	return max(a, b).Time().UTC()
}

// hashInterview hashes an interview record without its source_updated_at.
func hashInterview(iv brighthire.Interview) string {
	iv.SourceUpdatedAt = time.Time{}
	return recordHash(iv)
}

func hashCandidate(c brighthire.Candidate) string {
	c.SourceUpdatedAt = time.Time{}
	return recordHash(c)
}

func hashPosition(p brighthire.Position) string {
	p.SourceUpdatedAt = time.Time{}
	return recordHash(p)
}

func hashCallGuide(g brighthire.CallGuide) string {
	g.SourceUpdatedAt = time.Time{}
	return recordHash(g)
}

// applicationHash is what the candidate record holds of one opportunity; when it changes the
// candidate is pushed again.
func applicationHash(o lever.Opportunity) string {
	return recordHash(struct {
		App     brighthire.Application
		Name    string
		Emails  []string
		Contact string
	}{toApplication(o), o.Name, o.Emails, o.Contact.ID})
}
