package demo

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"
)

// convergeTimeout bounds the wait for Lever and BrightHire to come into step.
const convergeTimeout = 60 * time.Second

// converge waits until the end state check passes with an empty queue. Once it first
// passes, BrightHire regenerates the notes of a few interviews, which must come back to
// Lever as new notes, and the wait goes on until those are in too.
func (r *runner) converge(ctx context.Context) Check {
	deadline := time.Now().Add(convergeTimeout)
	regenerated, lastSay := false, time.Now()
	for {
		check := r.env.Verify()
		st, err := r.status()
		idle := err == nil && st.QueueDepth == 0
		switch {
		case check.OK() && idle && regenerated:
			r.say("in step: Lever and BrightHire agree")
			return check
		case check.OK() && idle:
			r.say("regenerating the notes of 3 interviews in BrightHire (they come back as new notes)")
			r.regenerate(3)
			regenerated = true
		case time.Now().After(deadline) || ctx.Err() != nil:
			return check
		case time.Since(lastSay) >= 3*time.Second:
			lastSay = time.Now()
			r.say("waiting: %d/%d interviews linked, %d/%d notes in Lever, queue %d",
				check.Linked, check.LiveInterviews, check.NotesInLever, check.NotesReady, st.QueueDepth)
		}
		time.Sleep(250 * time.Millisecond)
	}
}

// regenerate asks the simulated BrightHire for new notes versions of n interviews.
func (r *runner) regenerate(n int) {
	var ids []string
	for id, iv := range r.env.BrightHire.Interviews() {
		if iv.NotesReady && !iv.Deleted {
			ids = append(ids, id)
		}
	}
	sort.Strings(ids)
	for _, id := range ids[:min(n, len(ids))] {
		r.env.BrightHire.RegenerateNotes(id)
	}
}

// summary prints what a person can check against both simulated services.
func (r *runner) summary(check Check) {
	st, _ := r.status()
	lv := r.env.Lever.Stats()
	bh := r.env.BrightHire
	ivs, canceled, deleted := 0, 0, 0
	for _, iv := range bh.Interviews() {
		switch {
		case iv.Deleted:
			deleted++
		case iv.Status == "canceled":
			canceled++
			ivs++
		default:
			ivs++
		}
	}
	w := r.out
	fmt.Fprintln(w, "\nsummary")
	fmt.Fprintf(w, "  lever changes     %s\n", changes(r.day.Changes))
	fmt.Fprintf(w, "  deliveries        %d accepted, %d refused (daemon's count, both webhooks); %d lever webhooks lost on purpose\n",
		st.Deliveries.Accepted, st.Deliveries.Refused, r.day.Lost)
	fmt.Fprintf(w, "  brighthire        %d positions, %d candidates, %d call guides, %d interviews (%d canceled), %d deleted\n",
		len(bh.Positions()), len(bh.Candidates()), len(bh.CallGuides()), ivs, canceled, deleted)
	fmt.Fprintf(w, "  forwarded         %d lever deliveries relayed verbatim to brighthire\n", len(bh.Forwarded()))
	fmt.Fprintf(w, "  reconciliation    %d interview changes found by reconciliation, not by a webhook\n", st.Links.CaughtByReconciling)
	fmt.Fprintf(w, "  notes             %d/%d current notes versions in lever exactly once, %d duplicated;"+
		" %d notes in all (a new version is a new note)\n",
		check.NotesInLever, check.NotesReady, check.NotesDuplicated, check.NotesTotal)
	fmt.Fprintf(w, "  lever api         %d requests, peak %d in one second (Lever: 10/s, bursts to 20), %d answered 429\n", lv.Total, lv.PeakRPS, lv.TooMany)
	fmt.Fprintf(w, "  queue             %d waiting, %d dead letters\n", st.QueueDepth, st.DeadLetter)
	fmt.Fprintf(w, "  time              %.1fs\n", time.Since(r.start).Seconds())
	if check.OK() {
		fmt.Fprintf(w, "  end state         OK: all %d live lever interviews linked in brighthire; every ready note in lever exactly once\n", check.LiveInterviews)
		return
	}
	fmt.Fprintf(w, "  end state         FAILED: %d/%d interviews linked\n", check.Linked, check.LiveInterviews)
	for _, p := range check.Problems {
		fmt.Fprintf(w, "    - %s\n", p)
	}
}

func changes(m map[string]int) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%d %s", m[k], k))
	}
	return strings.Join(parts, ", ")
}
