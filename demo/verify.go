package demo

import (
	"fmt"
	"sort"
	"strings"

	"github.com/leverbright/leverbright/daemon"
)

// Check is the end state compared between the simulated Lever and BrightHire.
type Check struct {
	LiveInterviews  int      // interviews Lever has
	Linked          int      // of those, in BrightHire with the right time and status
	NotesReady      int      // notes versions BrightHire holds for live interviews
	NotesInLever    int      // of those, written to Lever exactly once
	NotesDuplicated int      // notes versions written to Lever more than once
	NotesTotal      int      // the daemon's notes in Lever, every version
	Problems        []string // what is out of step, a line each (the first few)
	problemCount    int
}

// OK reports whether Lever and BrightHire are in step.
func (c *Check) OK() bool { return c.problemCount == 0 }

func (c *Check) problem(format string, args ...any) {
	c.problemCount++
	if len(c.Problems) < 8 {
		c.Problems = append(c.Problems, fmt.Sprintf(format, args...))
	}
}

// Verify checks that every live Lever interview is linked in BrightHire with its current
// time and status, that BrightHire holds no interview Lever deleted, and that every ready
// notes version is in Lever exactly once.
func (e *Env) Verify() Check {
	var c Check
	live := e.checkInterviews(&c)
	e.checkNotes(&c, live)
	return c
}

// checkInterviews compares interviews and returns the live Lever interview ids with their
// opportunity.
func (e *Env) checkInterviews(c *Check) map[string]string {
	bh := e.BrightHire.Interviews()
	live := map[string]string{}
	for oppID, ivs := range e.Lever.AllInterviews() {
		for _, iv := range ivs {
			live[iv.ID] = oppID
			c.LiveInterviews++
			got, ok := bh[iv.ID]
			wantStatus := "scheduled"
			if iv.CanceledAt != nil && *iv.CanceledAt != 0 {
				wantStatus = "canceled"
			}
			switch {
			case !ok || got.Deleted:
				c.problem("interview %s of %s is not in BrightHire", iv.ID, oppID)
			case got.Status != wantStatus:
				c.problem("interview %s is %s in BrightHire, %s in Lever", iv.ID, got.Status, wantStatus)
			case !got.StartAt.Equal(iv.Date.Time()):
				c.problem("interview %s starts %s in BrightHire, %s in Lever", iv.ID, got.StartAt, iv.Date.Time())
			case got.ApplicationExternalID != oppID:
				c.problem("interview %s is linked to %s, not %s", iv.ID, got.ApplicationExternalID, oppID)
			default:
				c.Linked++
			}
		}
	}
	for id, got := range bh {
		if _, ok := live[id]; !ok && !got.Deleted {
			c.problem("interview %s was deleted in Lever but is live in BrightHire", id)
		}
	}
	return live
}

// checkNotes counts the daemon's notes in Lever by the marker each one ends with.
func (e *Env) checkNotes(c *Check, live map[string]string) {
	markers := map[string]int{}
	for oppID := range e.opportunityIDs() {
		for _, n := range e.Lever.Notes(oppID) {
			body := n.Body()
			if i := strings.LastIndex(body, "[leverbright: "); i >= 0 {
				markers[body[i:]]++
			}
		}
	}
	for _, got := range e.BrightHire.Interviews() {
		if got.Deleted || !got.NotesReady || live[got.External.ID] == "" {
			continue
		}
		c.NotesReady++
		switch n := markers[daemon.NoteMarker(got.ID, got.NotesVersion)]; {
		case n == 1:
			c.NotesInLever++
		case n == 0:
			c.problem("notes v%d of %s are not in Lever", got.NotesVersion, got.ID)
		}
	}
	var dups []string
	for m, n := range markers {
		c.NotesTotal += n
		if n > 1 {
			dups = append(dups, m)
		}
	}
	sort.Strings(dups)
	c.NotesDuplicated = len(dups)
	for _, m := range dups {
		c.problem("note written %d times: %s", markers[m], m)
	}
}

// opportunityIDs are every opportunity the simulated Lever has, deleted ones included.
func (e *Env) opportunityIDs() map[string]bool {
	ids := map[string]bool{}
	for _, o := range e.Lever.Opportunities() {
		ids[o.ID] = true
	}
	return ids
}
