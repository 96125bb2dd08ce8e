package lever

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"time"
)

// Time is a Lever timestamp: milliseconds since the Unix epoch, UTC. A JSON
// null decodes as zero.
type Time int64

// Time converts t to a time.Time; zero stays the zero time.Time.
func (t Time) Time() time.Time { return Millis(int64(t)) }

// FromTime converts a time.Time to a Lever timestamp; the zero time gives 0.
func FromTime(t time.Time) Time {
	if t.IsZero() {
		return 0
	}
	return Time(t.UnixMilli())
}

// Millis converts Lever epoch milliseconds to a UTC time.Time. Zero gives the
// zero time.Time, because Lever uses 0 or null for "not set".
func Millis(ms int64) time.Time {
	if ms == 0 {
		return time.Time{}
	}
	return time.UnixMilli(ms).UTC()
}

// UnmarshalJSON accepts an integer, null, or (leniently) a numeric string.
func (t *Time) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if string(b) == "null" {
		*t = 0
		return nil
	}
	if len(b) > 1 && b[0] == '"' {
		b = b[1 : len(b)-1]
	}
	n, err := strconv.ParseInt(string(b), 10, 64)
	if err != nil {
		f, ferr := strconv.ParseFloat(string(b), 64)
		if ferr != nil {
			return fmt.Errorf("decode lever time %q: %w", b, err)
		}
		n = int64(f)
	}
	*t = Time(n)
	return nil
}

// Phone is a phone number with its type ("mobile", "work", "other", ...).
type Phone struct {
	Type  string `json:"type"`
	Value string `json:"value"`
}

// Archived says when and why an opportunity or application was archived.
// Reason is an archive-reason id.
type Archived struct {
	Reason     string `json:"reason"`
	ArchivedAt Time   `json:"archivedAt"`
}

// Location is a named place, as used on contacts.
type Location struct {
	Name string `json:"name"`
}

// Contact is a person, shared by all of their opportunities.
type Contact struct {
	ID           string    `json:"id"`
	Name         string    `json:"name"`
	Headline     string    `json:"headline"`
	Emails       []string  `json:"emails"`
	Phones       []Phone   `json:"phones"`
	Location     *Location `json:"location"`
	IsAnonymized bool      `json:"isAnonymized"`
}

// Stage is a pipeline stage. Built-in stages have readable ids such as
// "applicant-new"; custom stages have UUIDs.
type Stage struct {
	ID   string `json:"id"`
	Text string `json:"text"`
}

// ArchiveReason is why an opportunity was archived; Type is "hired" or
// "non-hired".
type ArchiveReason struct {
	ID     string `json:"id"`
	Text   string `json:"text"`
	Status string `json:"status"`
	Type   string `json:"type"`
}

// StageChange is one entry of an opportunity's stage history.
type StageChange struct {
	ToStageID    string `json:"toStageId"`
	ToStageIndex int    `json:"toStageIndex"`
	UserID       string `json:"userId"`
	UpdatedAt    Time   `json:"updatedAt"`
}

// Application is one application of an opportunity, usually to a posting.
// In migrated data CandidateID equals OpportunityID.
type Application struct {
	ID                   string    `json:"id"`
	Type                 string    `json:"type"`
	OpportunityID        string    `json:"opportunityId"`
	CandidateID          string    `json:"candidateId"`
	Posting              string    `json:"posting"`
	PostingOwner         string    `json:"postingOwner"`
	PostingHiringManager string    `json:"postingHiringManager"`
	User                 string    `json:"user"`
	Name                 string    `json:"name"`
	Email                string    `json:"email"`
	Company              string    `json:"company"`
	Links                []string  `json:"links"`
	CreatedAt            Time      `json:"createdAt"`
	Archived             *Archived `json:"archived"`
}

// Interviewer is a person on an interview.
type Interviewer struct {
	ID               string `json:"id"`
	Name             string `json:"name"`
	Email            string `json:"email"`
	FeedbackTemplate string `json:"feedbackTemplate"`
}

// Interview is one interview of an opportunity. Duration is in minutes,
// Date is the start time; CanceledAt is nil unless the interview was canceled.
type Interview struct {
	ID               string        `json:"id"`
	Panel            string        `json:"panel"`
	Subject          string        `json:"subject"`
	Note             string        `json:"note"`
	Timezone         string        `json:"timezone"`
	FeedbackTemplate string        `json:"feedbackTemplate"`
	User             string        `json:"user"`
	Stage            string        `json:"stage"`
	Location         *string       `json:"location"`
	GcalEventURL     *string       `json:"gcalEventUrl"`
	Interviewers     []Interviewer `json:"interviewers"`
	CreatedAt        Time          `json:"createdAt"`
	Date             Time          `json:"date"`
	Duration         int           `json:"duration"`
	CanceledAt       *Time         `json:"canceledAt"`
	Postings         []string      `json:"postings"`
	FeedbackForms    []string      `json:"feedbackForms"`
	FeedbackReminder string        `json:"feedbackReminder"`
}

// Panel groups the interviews scheduled together for one opportunity.
type Panel struct {
	ID                string      `json:"id"`
	Note              string      `json:"note"`
	Stage             string      `json:"stage"`
	User              string      `json:"user"`
	Timezone          string      `json:"timezone"`
	ExternalURL       string      `json:"externalUrl"`
	Applications      []string    `json:"applications"`
	CreatedAt         Time        `json:"createdAt"`
	Start             Time        `json:"start"`
	End               Time        `json:"end"`
	CanceledAt        *Time       `json:"canceledAt"`
	ExternallyManaged bool        `json:"externallyManaged"`
	Interviews        []Interview `json:"interviews"`
}

// PostingCategories are the labels a posting is filed under.
type PostingCategories struct {
	Team         string   `json:"team"`
	Department   string   `json:"department"`
	Location     string   `json:"location"`
	Commitment   string   `json:"commitment"`
	Level        string   `json:"level"`
	AllLocations []string `json:"allLocations"`
}

// Posting is a job posting.
type Posting struct {
	ID               string            `json:"id"`
	Text             string            `json:"text"`
	State            string            `json:"state"`
	User             string            `json:"user"`
	Owner            string            `json:"owner"`
	HiringManager    string            `json:"hiringManager"`
	ReqCode          string            `json:"reqCode"`
	Confidentiality  string            `json:"confidentiality"`
	Categories       PostingCategories `json:"categories"`
	RequisitionCodes []string          `json:"requisitionCodes"`
	Tags             []string          `json:"tags"`
	CreatedAt        Time              `json:"createdAt"`
	UpdatedAt        Time              `json:"updatedAt"`
}

// User is a Lever user; DeactivatedAt is nil for active users.
type User struct {
	ID                  string `json:"id"`
	Name                string `json:"name"`
	Username            string `json:"username"`
	Email               string `json:"email"`
	AccessRole          string `json:"accessRole"`
	Photo               string `json:"photo"`
	JobTitle            string `json:"jobTitle"`
	ManagerID           string `json:"managerId"`
	ExternalDirectoryID string `json:"externalDirectoryId"`
	CreatedAt           Time   `json:"createdAt"`
	DeactivatedAt       *Time  `json:"deactivatedAt"`
}

// TemplateField is one question of a feedback template.
type TemplateField struct {
	ID          string `json:"id"`
	Type        string `json:"type"`
	Text        string `json:"text"`
	Description string `json:"description"`
	Required    bool   `json:"required"`
}

// FeedbackTemplate is an interview scorecard.
type FeedbackTemplate struct {
	ID           string          `json:"id"`
	Text         string          `json:"text"`
	Instructions string          `json:"instructions"`
	Group        string          `json:"group"`
	Fields       []TemplateField `json:"fields"`
	CreatedAt    Time            `json:"createdAt"`
	UpdatedAt    Time            `json:"updatedAt"`
}

// NoteField is one field of a note; Value holds the text.
type NoteField struct {
	Type      string `json:"type"`
	Text      string `json:"text"`
	Value     string `json:"value"`
	User      string `json:"user"`
	Stage     string `json:"stage"`
	CreatedAt Time   `json:"createdAt"`
}

// Note is a note on an opportunity. Text is the note's type label ("Note"),
// not its body; see Body.
type Note struct {
	ID          string      `json:"id"`
	Text        string      `json:"text"`
	User        string      `json:"user"`
	Secret      bool        `json:"secret"`
	Fields      []NoteField `json:"fields"`
	CreatedAt   Time        `json:"createdAt"`
	CompletedAt *Time       `json:"completedAt"`
	DeletedAt   *Time       `json:"deletedAt"`
}

// Body returns the note's text: the concatenation of its fields' values.
func (n Note) Body() string {
	var b []byte
	for _, f := range n.Fields {
		b = append(b, f.Value...)
	}
	return string(b)
}

// NoteInput is what CreateNote writes. PerformAs is the author's user id.
// NotifyFollowers is always sent, false unless set.
type NoteInput struct {
	Value           string
	PerformAs       string
	Secret          bool
	NotifyFollowers bool
}

// WebhookConditions restrict which candidate events a subscription receives.
type WebhookConditions struct {
	Origins []string `json:"origins,omitempty"`
}

// WebhookConfiguration holds a subscription's signing token and conditions.
type WebhookConfiguration struct {
	SignatureToken string             `json:"signatureToken"`
	Conditions     *WebhookConditions `json:"conditions,omitempty"`
}

// Webhook is a webhook subscription. Configuration.SignatureToken is the
// HMAC key for the subscription's deliveries and must be kept secret.
type Webhook struct {
	ID            string               `json:"id"`
	Event         string               `json:"event"`
	URL           string               `json:"url"`
	CreatedAt     Time                 `json:"createdAt"`
	Configuration WebhookConfiguration `json:"configuration"`
}

// WebhookInput is what CreateWebhook subscribes.
type WebhookInput struct {
	Event string
	URL   string
}

// decodeFlex decodes b as either a JSON string id or an object into obj,
// returning the id.
func decodeFlex(b []byte, obj any, idOf func() string) (string, bool, error) {
	b = bytes.TrimSpace(b)
	switch {
	case len(b) == 0 || string(b) == "null":
		return "", false, nil
	case b[0] == '"':
		var id string
		err := json.Unmarshal(b, &id)
		return id, false, err
	default:
		if err := json.Unmarshal(b, obj); err != nil {
			return "", false, err
		}
		return idOf(), true, nil
	}
}
