package daemon

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/leverbright/leverbright/brighthire"
	"github.com/leverbright/leverbright/lever"
	"github.com/leverbright/leverbright/store"
)

// writeNotes brings one notes version into Lever as a note, exactly once: the intent is
// recorded before the post, and Lever is searched for the note's marker before every post,
// so neither a crash nor a rebuilt, moved or restored store writes a note twice. BrightHire
// is acked last.
func (d *Daemon) writeNotes(ctx context.Context, j notesJob) error {
	dp := d.current()
	if dp.bh == nil {
		return nil
	}
	unlock := d.noteLocks.lock(j.InterviewID)
	defer unlock()
	if done, err := d.notesAcked(j.InterviewID, j.Version); done || err != nil {
		return err
	}
	notes, err := dp.bh.Notes(ctx, j.InterviewID)
	if errors.Is(err, brighthire.ErrNotFound) {
		// The interview was deleted (in Lever, then in BrightHire) after its notes were
		// announced: there is nothing left to write back.
		d.log.Info("brighthire no longer has the interview, notes not written",
			"interview_id", j.InterviewID, "version", j.Version)
		return nil
	}
	if err != nil {
		return outage(fmt.Errorf("fetch notes of %s: %w", j.InterviewID, err))
	}
	if notes.Version < j.Version {
		return fmt.Errorf("notes of %s: version %d not available yet (have %d)",
			j.InterviewID, j.Version, notes.Version)
	}
	rec, err := d.noteRecord(notes)
	if err != nil || rec.State == store.NoteAcked {
		return err
	}
	if rec.OpportunityID == "" {
		return permanent(fmt.Errorf("notes of %s: no linked lever opportunity", j.InterviewID))
	}
	if rec.State != store.NoteWritten {
		if rec, err = d.postNote(ctx, dp, rec, notes); err != nil {
			return err
		}
	}
	return d.ackNotes(ctx, dp, rec)
}

func (d *Daemon) notesAcked(interviewID string, version int) (bool, error) {
	rec, ok, err := d.store.NoteRecord(interviewID, version)
	if err != nil {
		return false, fmt.Errorf("read note record %s v%d: %w", interviewID, version, err)
	}
	return ok && rec.State == store.NoteAcked, nil
}

// noteRecord is the write-back record of the current notes version, new if there is none.
func (d *Daemon) noteRecord(n brighthire.Notes) (store.NoteRecord, error) {
	rec, ok, err := d.store.NoteRecord(n.InterviewID, n.Version)
	if err != nil {
		return rec, fmt.Errorf("read note record %s v%d: %w", n.InterviewID, n.Version, err)
	}
	if ok {
		return rec, nil
	}
	rec = store.NoteRecord{InterviewID: n.InterviewID, Version: n.Version, OpportunityID: n.External.ApplicationID}
	if rec.OpportunityID == "" {
		link, found, err := d.store.InterviewLink(n.External.ID)
		if err != nil {
			return rec, fmt.Errorf("read interview link %s: %w", n.External.ID, err)
		}
		if found {
			rec.OpportunityID = link.OpportunityID
		}
	}
	return rec, nil
}

// postNote posts the rendered note unless Lever already has it, and records it as written.
// The store alone cannot say: a crash between post and record, or a store rebuilt after
// damage, moved, or restored from a backup, all leave notes in Lever the store does not know.
func (d *Daemon) postNote(ctx context.Context, dp *deps, rec store.NoteRecord, n brighthire.Notes) (store.NoteRecord, error) {
	id, err := findNote(ctx, dp.lever, rec.OpportunityID, NoteMarker(n.InterviewID, n.Version))
	if err != nil {
		return rec, err
	}
	if id != "" {
		d.log.Info("note already in lever, not posted again", "interview_id", n.InterviewID,
			"version", n.Version, "was_recorded", rec.State == store.NoteIntended)
		return d.recordNote(rec, store.NoteWritten, id)
	}
	if _, err := d.recordNote(rec, store.NoteIntended, ""); err != nil {
		return rec, err
	}
	in := lever.NoteInput{Value: renderNote(n), PerformAs: dp.cfg.Lever.NoteAuthor}
	note, err := dp.lever.CreateNote(ctx, rec.OpportunityID, in)
	if errors.Is(err, lever.ErrNotFound) {
		return rec, permanent(fmt.Errorf("create note on %s: opportunity gone: %w", rec.OpportunityID, err))
	}
	if err != nil {
		return rec, fmt.Errorf("create note on %s: %w", rec.OpportunityID, err)
	}
	d.metrics.noteWritten()
	return d.recordNote(rec, store.NoteWritten, note.ID)
}

func (d *Daemon) recordNote(rec store.NoteRecord, state store.NoteState, noteID string) (store.NoteRecord, error) {
	rec.State, rec.UpdatedAt = state, d.now()
	if noteID != "" {
		rec.LeverNoteID = noteID
	}
	if err := d.store.PutNoteRecord(rec); err != nil {
		return rec, fmt.Errorf("record note %s v%d: %w", rec.InterviewID, rec.Version, err)
	}
	return rec, nil
}

// ackNotes tells BrightHire which Lever note holds the version, then records the ack.
func (d *Daemon) ackNotes(ctx context.Context, dp *deps, rec store.NoteRecord) error {
	ack := brighthire.Ack{Version: rec.Version, LeverNoteID: rec.LeverNoteID, OpportunityID: rec.OpportunityID}
	if err := dp.bh.AckNotes(ctx, rec.InterviewID, ack); err != nil {
		return outage(fmt.Errorf("ack notes of %s v%d: %w", rec.InterviewID, rec.Version, err))
	}
	_, err := d.recordNote(rec, store.NoteAcked, "")
	return err
}

// findNote looks through an opportunity's notes for one carrying marker.
func findNote(ctx context.Context, lc leverAPI, oppID, marker string) (string, error) {
	for n, err := range lc.ListNotes(ctx, oppID) {
		if err != nil {
			return "", fmt.Errorf("list notes of %s: %w", oppID, err)
		}
		if n.DeletedAt == nil && strings.Contains(n.Body(), marker) {
			return n.ID, nil
		}
	}
	return "", nil
}

// notesItem is queued notes work. It is keyed by the Lever opportunity whenever that can be
// known, so webhook and scheduled work for one interview never run side by side.
func (d *Daemon) notesItem(interviewID string, version int, ext brighthire.External) store.Item {
	now := d.now()
	payload, _ := json.Marshal(notesJob{InterviewID: interviewID, Version: version})
	return store.Item{
		Source: sourceWork, Kind: kindNotes, Key: d.notesKey(interviewID, ext), Body: payload,
		ContentType: "application/json", ReceivedAt: now, NextAttempt: now,
	}
}

func (d *Daemon) notesKey(interviewID string, ext brighthire.External) string {
	if ext.ApplicationID != "" {
		return ext.ApplicationID
	}
	if link, ok, err := d.store.InterviewLink(ext.ID); err == nil && ok {
		return link.OpportunityID
	}
	return "bh:" + interviewID
}

// NoteMarker is the last line of every note the daemon writes: it names the BrightHire
// interview and notes version, so the daemon can recognise its own notes.
func NoteMarker(interviewID string, version int) string {
	return fmt.Sprintf("[leverbright: brighthire interview %s, notes version %d]", interviewID, version)
}

// renderNote renders BrightHire notes as the plain text of a Lever note.
func renderNote(n brighthire.Notes) string {
	var b strings.Builder
	title := firstNonEmpty(n.Title, "Interview")
	fmt.Fprintf(&b, "BrightHire interview notes: %s\n", title)
	if n.Version > 1 {
		fmt.Fprintf(&b, "Updated notes, version %d\n", n.Version)
	}
	if !n.GeneratedAt.IsZero() {
		fmt.Fprintf(&b, "Date: %s\n", n.GeneratedAt.UTC().Format("Mon 2 Jan 2006 15:04 MST"))
	}
	if len(n.Interviewers) > 0 {
		fmt.Fprintf(&b, "Interviewers: %s\n", strings.Join(n.Interviewers, ", "))
	}
	writeBlock(&b, "Summary", []string{n.Summary}, "")
	for _, s := range n.Sections {
		writeBlock(&b, s.Title, s.Items, "- ")
	}
	writeBlock(&b, "Key takeaways", n.KeyTakeaways, "- ")
	if n.InterviewURL != "" {
		fmt.Fprintf(&b, "\nRecording: %s\n", n.InterviewURL)
	}
	fmt.Fprintf(&b, "\n%s", NoteMarker(n.InterviewID, n.Version))
	return b.String()
}

// writeBlock writes a titled block of lines; an empty block is left out.
func writeBlock(b *strings.Builder, title string, lines []string, bullet string) {
	var kept []string
	for _, l := range lines {
		if strings.TrimSpace(l) != "" {
			kept = append(kept, l)
		}
	}
	if len(kept) == 0 {
		return
	}
	fmt.Fprintf(b, "\n%s\n", title)
	for _, l := range kept {
		fmt.Fprintf(b, "%s%s\n", bullet, l)
	}
}

// keyedMutex serialises work per key.
type keyedMutex struct {
	mu    sync.Mutex
	locks map[string]*keyedLock
}

type keyedLock struct {
	mu   sync.Mutex
	refs int
}

// lock locks key and returns its unlock.
func (k *keyedMutex) lock(key string) func() {
	k.mu.Lock()
	if k.locks == nil {
		k.locks = map[string]*keyedLock{}
	}
	l := k.locks[key]
	if l == nil {
		l = &keyedLock{}
		k.locks[key] = l
	}
	l.refs++
	k.mu.Unlock()

	l.mu.Lock()
	return func() {
		l.mu.Unlock()
		k.mu.Lock()
		if l.refs--; l.refs == 0 {
			delete(k.locks, key)
		}
		k.mu.Unlock()
	}
}
