package lever_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/leverbright/leverbright/lever"
)

func readSample(t *testing.T, name string, v any) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatalf("read %s: %v", name, err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("decode %s: %v", name, err)
	}
}

// check compares got and want for one named field.
func check(t *testing.T, field string, got, want any) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("%s: got %#v, want %#v", field, got, want)
	}
}

const sampleUser = "fef0f830-2f3d-4217-9027-14519997bbb3"

func TestOpportunity_UnmarshalJSON_Sample(t *testing.T) {
	var o lever.Opportunity
	readSample(t, "api-opportunity-record-sandbox.json", &o)
	check(t, "id", o.ID, "784ff8e2-4536-4d65-8b29-e2dbeb0e8bef")
	check(t, "name", o.Name, "Cheryl Goh")
	check(t, "contact", o.Contact, lever.ContactRef{ID: "935c7a34-98dd-4e04-b87b-512cf28c274f"})
	check(t, "headline", o.Headline, "Flex Ltd")
	check(t, "stage", o.Stage, lever.StageRef{ID: "f1a0cadd-9eff-4ecc-9edc-ff24d04fe393"})
	check(t, "confidentiality", o.Confidentiality, "non-confidential")
	check(t, "location", o.Location, "San Francisco")
	check(t, "phones", o.Phones, []lever.Phone{{Type: "other", Value: "+10000000000"}})
	check(t, "emails", o.Emails, []string{"candidate@example.com"})
	check(t, "links", o.Links, []string{"https://twitter.com/cherylgoh?lang=en",
		"https://sg.linkedin.com/in/cherylgoh"})
	check(t, "archived", o.Archived, (*lever.Archived)(nil))
	check(t, "tags", o.Tags, []string{"Administrative Assistant", "Airbyte",
		"San Francisco, CA", "Part-time", "interview"})
	check(t, "sources", o.Sources, []string{})
	check(t, "stageChanges count", len(o.StageChanges), 7)
	check(t, "stageChanges[0]", o.StageChanges[0], lever.StageChange{ToStageID: "lead-new",
		ToStageIndex: 0, UpdatedAt: 1628507614492, UserID: sampleUser})
	check(t, "stageChanges[6].toStageId", o.StageChanges[6].ToStageID,
		"f1a0cadd-9eff-4ecc-9edc-ff24d04fe393")
	check(t, "origin", o.Origin, "agency")
	check(t, "sourcedBy", o.SourcedBy, "")
	check(t, "owner", o.Owner, sampleUser)
	check(t, "followers", o.Followers, []string{sampleUser})
	check(t, "applications", o.Applications,
		[]lever.ApplicationRef{{ID: "9cc6e411-9353-4fd0-91ff-7ca090d1a31e"}})
	check(t, "createdAt", o.CreatedAt, lever.Time(1628507614492))
	check(t, "updatedAt", o.UpdatedAt, lever.Time(1628587621571))
	check(t, "lastInteractionAt", o.LastInteractionAt, lever.Time(1628587621568))
	check(t, "lastAdvancedAt", o.LastAdvancedAt, lever.Time(1628514142800))
	check(t, "snoozedUntil", o.SnoozedUntil, (*lever.Time)(nil))
	check(t, "urls", o.URLs, lever.OpportunityURLs{List: "https://hire.sandbox.lever.co/candidates",
		Show: "https://hire.sandbox.lever.co/candidates/784ff8e2-4536-4d65-8b29-e2dbeb0e8bef"})
	check(t, "isAnonymized", o.IsAnonymized, false)
	check(t, "opportunityLocation", o.OpportunityLocation, "San Francisco, CA")
}

func TestInterview_UnmarshalJSON_Sample(t *testing.T) {
	var iv lever.Interview
	readSample(t, "api-interview-record-sandbox.json", &iv)
	check(t, "id", iv.ID, "8a6b585d-a17a-482d-b147-dbda7590a582")
	check(t, "panel", iv.Panel, "ce3ddced-51be-498c-8a5b-6ced0866d488")
	check(t, "subject", iv.Subject, "On-site interview - Cheryl Goh - Administrative Assistant")
	check(t, "note", iv.Note, "")
	check(t, "interviewers", iv.Interviewers, []lever.Interviewer{{ID: sampleUser,
		Name: "Aleksandr Arhipenko", Email: "interviewer@example.com"}})
	check(t, "timezone", iv.Timezone, "Europe/Kiev")
	check(t, "createdAt", iv.CreatedAt, lever.Time(1628587604828))
	check(t, "date", iv.Date, lever.Time(1628488800000))
	check(t, "duration", iv.Duration, 30)
	check(t, "location", iv.Location, (*string)(nil))
	check(t, "feedbackTemplate", iv.FeedbackTemplate, "9aaa3dea-a16a-4e58-84c5-bd0a4f2ec6a7")
	check(t, "feedbackForms", iv.FeedbackForms, []string{"dbdb2960-ae3c-4093-bc56-21c35aea1168"})
	check(t, "feedbackReminder", iv.FeedbackReminder, "none")
	check(t, "user", iv.User, sampleUser)
	check(t, "stage", iv.Stage, "f1a0cadd-9eff-4ecc-9edc-ff24d04fe393")
	check(t, "canceledAt", iv.CanceledAt, (*lever.Time)(nil))
	check(t, "postings", iv.Postings, []string{"f45efa75-63f3-466c-93c2-643d3147968d"})
	check(t, "gcalEventUrl", iv.GcalEventURL, (*string)(nil))
	check(t, "date as time", iv.Date.Time(), time.Date(2021, 8, 9, 6, 0, 0, 0, time.UTC))
}

func TestNote_UnmarshalJSON_Sample(t *testing.T) {
	var n lever.Note
	readSample(t, "api-note-record-sandbox.json", &n)
	completed := lever.Time(1628541381007)
	check(t, "id", n.ID, "6188f58d-168a-4aa2-a6dd-f267bc392165")
	check(t, "text", n.Text, "Note")
	check(t, "fields", n.Fields, []lever.NoteField{{CreatedAt: 1628541381009,
		Stage: "f1a0cadd-9eff-4ecc-9edc-ff24d04fe393", Text: "Comment", Type: "note",
		User: sampleUser, Value: "note"}})
	check(t, "user", n.User, sampleUser)
	check(t, "secret", n.Secret, true)
	check(t, "completedAt", n.CompletedAt, &completed)
	check(t, "deletedAt", n.DeletedAt, (*lever.Time)(nil))
	check(t, "createdAt", n.CreatedAt, lever.Time(1628541381007))
	check(t, "body", n.Body(), "note")
}

func TestApplication_UnmarshalJSON_Sample(t *testing.T) {
	var a lever.Application
	readSample(t, "api-application-record-sandbox.json", &a)
	check(t, "id", a.ID, "8229d826-f99c-4417-b2ee-0a9f803dde7a")
	check(t, "type", a.Type, "user")
	check(t, "candidateId", a.CandidateID, "a739d309-dfae-408d-a316-7f06fcd9150f")
	check(t, "opportunityId", a.OpportunityID, "a739d309-dfae-408d-a316-7f06fcd9150f")
	check(t, "posting", a.Posting, "2200dd68-757d-4ed2-a9b7-e1856196b513")
	check(t, "postingHiringManager", a.PostingHiringManager, sampleUser)
	check(t, "postingOwner", a.PostingOwner, sampleUser)
	check(t, "name", a.Name, "")
	check(t, "links", a.Links, []string{})
	check(t, "user", a.User, sampleUser)
	check(t, "createdAt", a.CreatedAt, lever.Time(1628509001183))
	check(t, "archived", a.Archived, &lever.Archived{
		Reason: "0798a6e3-aed0-4cee-9e99-4dc25db0d7b1", ArchivedAt: 1628513942501})
}

func TestUser_UnmarshalJSON_Sample(t *testing.T) {
	var u lever.User
	readSample(t, "api-user-record-sandbox.json", &u)
	check(t, "id", u.ID, sampleUser)
	check(t, "name", u.Name, "Aleksandr Arhipenko")
	check(t, "username", u.Username, "aleksandrarhipenko")
	check(t, "email", u.Email, "user@example.com")
	check(t, "accessRole", u.AccessRole, "super admin")
	check(t, "photo", u.Photo, "")
	check(t, "createdAt", u.CreatedAt, lever.Time(1624352610372))
	check(t, "deactivatedAt", u.DeactivatedAt, (*lever.Time)(nil))
	check(t, "jobTitle", u.JobTitle, "")
	check(t, "managerId", u.ManagerID, "")
}

func TestOpportunity_UnmarshalJSON_Expanded(t *testing.T) {
	body := `{"id":"o1","contact":{"id":"c1","name":"Ana","location":{"name":"Berlin"}},
		"stage":{"id":"offer","text":"Offer"},"owner":{"id":"u1","name":"Bo"},
		"followers":[{"id":"u1"},"u2"],"applications":[{"id":"a1","posting":"p1"},"a2"],
		"unknownField":{"x":1}}`
	var o lever.Opportunity
	if err := json.Unmarshal([]byte(body), &o); err != nil {
		t.Fatalf("decode: %v", err)
	}
	check(t, "contact id", o.Contact.ID, "c1")
	check(t, "contact location", o.Contact.Contact.Location.Name, "Berlin")
	check(t, "stage", *o.Stage.Stage, lever.Stage{ID: "offer", Text: "Offer"})
	check(t, "stage id", o.Stage.ID, "offer")
	check(t, "owner", o.Owner, "u1")
	check(t, "followers", o.Followers, []string{"u1", "u2"})
	check(t, "application 0 posting", o.Applications[0].Application.Posting, "p1")
	check(t, "application 1", o.Applications[1], lever.ApplicationRef{ID: "a2"})
}

func TestRef_MarshalJSON_RoundTrip(t *testing.T) {
	in := lever.Opportunity{ID: "o1", Contact: lever.ContactRef{ID: "c1"},
		Stage: lever.StageRef{ID: "s1", Stage: &lever.Stage{ID: "s1", Text: "Screen"}}}
	b, err := json.Marshal(in)
	if err != nil {
		t.Fatalf("encode: %v", err)
	}
	var out lever.Opportunity
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatalf("decode: %v", err)
	}
	check(t, "contact", out.Contact, in.Contact)
	check(t, "stage", out.Stage, in.Stage)
}

func TestMillis(t *testing.T) {
	check(t, "zero", lever.Millis(0), time.Time{})
	check(t, "value", lever.Millis(1628541381007),
		time.Date(2021, 8, 9, 20, 36, 21, 7_000_000, time.UTC))
	check(t, "from time", lever.FromTime(lever.Millis(1628541381007)), lever.Time(1628541381007))
	check(t, "from zero", lever.FromTime(time.Time{}), lever.Time(0))
}
