package lever

import (
	"encoding/json"
	"fmt"
)

// OpportunityURLs are the Lever UI links of an opportunity.
type OpportunityURLs struct {
	List string `json:"list"`
	Show string `json:"show"`
}

// Opportunity is one candidacy of a contact. Owner, SourcedBy and Followers
// are user ids even when the response expanded them into objects.
type Opportunity struct {
	ID                  string           `json:"id"`
	Name                string           `json:"name"`
	Headline            string           `json:"headline"`
	Confidentiality     string           `json:"confidentiality"`
	Origin              string           `json:"origin"`
	Owner               string           `json:"owner"`
	SourcedBy           string           `json:"sourcedBy"`
	Contact             ContactRef       `json:"contact"`
	Stage               StageRef         `json:"stage"`
	Location            string           `json:"location"`
	OpportunityLocation string           `json:"opportunityLocation"`
	Emails              []string         `json:"emails"`
	Phones              []Phone          `json:"phones"`
	Links               []string         `json:"links"`
	Tags                []string         `json:"tags"`
	Sources             []string         `json:"sources"`
	Applications        []ApplicationRef `json:"applications"`
	Archived            *Archived        `json:"archived"`
	StageChanges        []StageChange    `json:"stageChanges"`
	CreatedAt           Time             `json:"createdAt"`
	UpdatedAt           Time             `json:"updatedAt"`
	LastInteractionAt   Time             `json:"lastInteractionAt"`
	LastAdvancedAt      Time             `json:"lastAdvancedAt"`
	SnoozedUntil        *Time            `json:"snoozedUntil"`
	URLs                OpportunityURLs  `json:"urls"`
	Followers           []string         `json:"followers"`
	IsAnonymized        bool             `json:"isAnonymized"`
}

// UnmarshalJSON decodes an opportunity, accepting user fields either as ids
// or as expanded user objects.
func (o *Opportunity) UnmarshalJSON(b []byte) error {
	type plain Opportunity
	var aux struct {
		plain
		Owner     userRef   `json:"owner"`
		SourcedBy userRef   `json:"sourcedBy"`
		Followers []userRef `json:"followers"`
	}
	if err := json.Unmarshal(b, &aux); err != nil {
		return err
	}
	*o = Opportunity(aux.plain)
	o.Owner, o.SourcedBy = string(aux.Owner), string(aux.SourcedBy)
	o.Followers = nil
	for _, f := range aux.Followers {
		o.Followers = append(o.Followers, string(f))
	}
	return nil
}

// userRef is a user id that may arrive as an expanded user object.
type userRef string

func (r *userRef) UnmarshalJSON(b []byte) error {
	var u User
	id, _, err := decodeFlex(b, &u, func() string { return u.ID })
	if err != nil {
		return fmt.Errorf("decode user reference: %w", err)
	}
	*r = userRef(id)
	return nil
}

// ContactRef is an opportunity's contact: always its ID, plus the object
// when the response was expanded with "contact".
type ContactRef struct {
	ID      string
	Contact *Contact
}

// UnmarshalJSON accepts a contact id string or an expanded contact object.
func (r *ContactRef) UnmarshalJSON(b []byte) error {
	var c Contact
	id, obj, err := decodeFlex(b, &c, func() string { return c.ID })
	if err != nil {
		return fmt.Errorf("decode contact reference: %w", err)
	}
	*r = ContactRef{ID: id}
	if obj {
		r.Contact = &c
	}
	return nil
}

// MarshalJSON writes the object when expanded, else the id.
func (r ContactRef) MarshalJSON() ([]byte, error) {
	if r.Contact != nil {
		return json.Marshal(r.Contact)
	}
	return json.Marshal(r.ID)
}

// StageRef is an opportunity's stage: its ID, plus {id,text} when expanded.
type StageRef struct {
	ID    string
	Stage *Stage
}

// UnmarshalJSON accepts a stage id string or an expanded stage object.
func (r *StageRef) UnmarshalJSON(b []byte) error {
	var s Stage
	id, obj, err := decodeFlex(b, &s, func() string { return s.ID })
	if err != nil {
		return fmt.Errorf("decode stage reference: %w", err)
	}
	*r = StageRef{ID: id}
	if obj {
		r.Stage = &s
	}
	return nil
}

// MarshalJSON writes the object when expanded, else the id.
func (r StageRef) MarshalJSON() ([]byte, error) {
	if r.Stage != nil {
		return json.Marshal(r.Stage)
	}
	return json.Marshal(r.ID)
}

// ApplicationRef is one of an opportunity's applications: its ID, plus the
// object when expanded with "applications".
type ApplicationRef struct {
	ID          string
	Application *Application
}

// UnmarshalJSON accepts an application id string or an application object.
func (r *ApplicationRef) UnmarshalJSON(b []byte) error {
	var a Application
	id, obj, err := decodeFlex(b, &a, func() string { return a.ID })
	if err != nil {
		return fmt.Errorf("decode application reference: %w", err)
	}
	*r = ApplicationRef{ID: id}
	if obj {
		r.Application = &a
	}
	return nil
}

// MarshalJSON writes the object when expanded, else the id.
func (r ApplicationRef) MarshalJSON() ([]byte, error) {
	if r.Application != nil {
		return json.Marshal(r.Application)
	}
	return json.Marshal(r.ID)
}
