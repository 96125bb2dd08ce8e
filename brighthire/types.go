// Package brighthire talks to BrightHire: the v0 REST API (upserts of Lever-sourced records,
// the ready-notes list, notes and acks), verbatim forwarding of Lever deliveries, and the
// signed notes-ready webhook. API.md in this directory describes the wire contract.
package brighthire

import "time"

// SourceLever is the only external source the daemon writes.
const SourceLever = "lever"

// Interview statuses.
const (
	StatusScheduled = "scheduled"
	StatusCanceled  = "canceled"
)

// Notes statuses in the interview list.
const (
	NotesPending = "pending"
	NotesReady   = "ready"
)

// External names a record by its id in the source system.
type External struct {
	Source        string `json:"source"`
	ID            string `json:"id"`
	PanelID       string `json:"panel_id,omitempty"`
	ApplicationID string `json:"application_id,omitempty"`
}

// LeverRef returns the External reference of a Lever id.
func LeverRef(id string) External { return External{Source: SourceLever, ID: id} }

// Position is a job opening, built from a Lever posting.
type Position struct {
	External           External  `json:"external"`
	Title              string    `json:"title"`
	Team               string    `json:"team"`
	Department         string    `json:"department"`
	Location           string    `json:"location"`
	RequisitionCodes   []string  `json:"requisition_codes"`
	State              string    `json:"state"`
	HiringManagerEmail string    `json:"hiring_manager_email"`
	SourceUpdatedAt    time.Time `json:"source_updated_at"`
}

// Candidate is a person, built from a Lever contact, with one Application per opportunity.
type Candidate struct {
	External        External      `json:"external"`
	Name            string        `json:"name"`
	Emails          []string      `json:"emails"`
	Phones          []string      `json:"phones"`
	Applications    []Application `json:"applications"`
	SourceUpdatedAt time.Time     `json:"source_updated_at"`
}

// Application is a candidate's application to a position (a Lever opportunity).
type Application struct {
	External           External `json:"external"`
	PositionExternalID string   `json:"position_external_id"`
	Stage              string   `json:"stage"`
	Archived           bool     `json:"archived"`
}

// CallGuide is the question guide shown during a call, built from a Lever feedback template.
type CallGuide struct {
	External        External   `json:"external"`
	Name            string     `json:"name"`
	Instructions    string     `json:"instructions"`
	Questions       []Question `json:"questions"`
	SourceUpdatedAt time.Time  `json:"source_updated_at"`
}

// Question is one question of a call guide (a Lever template field).
type Question struct {
	ID       string `json:"id"`
	Text     string `json:"text"`
	Guidance string `json:"guidance"`
}

// Interview is a scheduled or canceled interview, built from a Lever interview.
type Interview struct {
	External              External      `json:"external"`
	CandidateExternalID   string        `json:"candidate_external_id"`
	ApplicationExternalID string        `json:"application_external_id"`
	PositionExternalID    string        `json:"position_external_id"`
	CallGuideExternalID   string        `json:"call_guide_external_id"`
	Title                 string        `json:"title"`
	StartAt               time.Time     `json:"start_at"`
	DurationSeconds       int           `json:"duration_seconds"`
	Timezone              string        `json:"timezone"`
	Location              string        `json:"location"`
	Interviewers          []Interviewer `json:"interviewers"`
	Status                string        `json:"status"`
	SourceUpdatedAt       time.Time     `json:"source_updated_at"`
}

// Interviewer is one person on an interview.
type Interviewer struct {
	Email          string `json:"email"`
	Name           string `json:"name"`
	ExternalUserID string `json:"external_user_id"`
}

// NotesState is the notes part of an interview list item.
type NotesState struct {
	Status  string `json:"status"`
	Version int    `json:"version"`
}

// InterviewSummary is one item of the interview list.
type InterviewSummary struct {
	ID        string     `json:"id"`
	External  External   `json:"external"`
	Notes     NotesState `json:"notes"`
	UpdatedAt time.Time  `json:"updated_at"`
}

// Notes is the generated notes of one interview, at one version.
type Notes struct {
	InterviewID  string    `json:"interview_id"`
	Version      int       `json:"version"`
	GeneratedAt  time.Time `json:"generated_at"`
	External     External  `json:"external"`
	Title        string    `json:"title"`
	Interviewers []string  `json:"interviewers"`
	Summary      string    `json:"summary"`
	Sections     []Section `json:"sections"`
	KeyTakeaways []string  `json:"key_takeaways"`
	InterviewURL string    `json:"interview_url"`
}

// Section is one titled part of the notes, usually one call-guide question.
type Section struct {
	Title string   `json:"title"`
	Items []string `json:"items"`
}

// Ack tells BrightHire which Lever note now holds a notes version.
type Ack struct {
	Version       int    `json:"version"`
	LeverNoteID   string `json:"lever_note_id"`
	OpportunityID string `json:"opportunity_id"`
}
