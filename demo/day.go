package demo

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"slices"
	"time"

	"github.com/leverbright/leverbright/lever"
	"github.com/leverbright/leverbright/lever/levertest"
)

// DayStats counts what a simulated recruiting day did in Lever and sent to the daemon.
type DayStats struct {
	Changes    map[string]int // changes made in Lever, by kind
	Sent       int            // deliveries sent
	Lost       int            // deliveries dropped on purpose, for reconciliation to find
	Accepted   int            // answered 200
	Refused    int            // answered otherwise, as they should be
	Unexpected []string       // deliveries whose answer was not the expected one
	Held       int            // interviews held today, whose notes BrightHire produces
}

// Day plays a recruiting day in the simulated Lever: n changes, each followed by its signed
// webhook, except a share lost on purpose; then a few hostile deliveries.
type Day struct {
	env  *Env
	rng  *rand.Rand
	url  string
	lost float64
	st   DayStats
}

// NewDay prepares a day on env; lost is the share of webhooks never sent.
func (e *Env) NewDay(seed int64, lost float64) *Day {
	return &Day{
		env: e, rng: rand.New(rand.NewPCG(uint64(seed), 7)), lost: lost,
		url: e.WebhookURL + "/webhooks/lever", st: DayStats{Changes: map[string]int{}},
	}
}

// Play makes n changes in Lever, pausing between them so the day unfolds over pace*n.
func (d *Day) Play(ctx context.Context, n int, pace time.Duration) (DayStats, error) {
	for i := 0; i < n && ctx.Err() == nil; i++ {
		if err := d.step(ctx); err != nil {
			return d.st, err
		}
		time.Sleep(pace)
	}
	return d.st, d.hostile(ctx)
}

// step makes one weighted-random change and delivers its webhook.
func (d *Day) step(ctx context.Context) error {
	l := d.env.Lever
	oppID, iv, ok := d.pickInterview()
	switch r := d.rng.IntN(100); {
	case r < 20 || !ok:
		opp, del := l.CreateApplication()
		d.count("application created")
		if err := d.deliver(ctx, del); err != nil {
			return err
		}
		_, del = l.ScheduleInterview(opp.ID)
		d.count("interview scheduled")
		return d.deliver(ctx, del)
	case r < 35:
		_, del := l.ScheduleInterview(oppID)
		d.count("interview scheduled")
		return d.deliver(ctx, del)
	case r < 65:
		// An interview held today: BrightHire records it and produces notes.
		d.count("interview held now")
		d.st.Held++
		return d.deliver(ctx, l.RescheduleInterview(oppID, iv.ID, time.Now().Truncate(time.Second)))
	case r < 78:
		d.count("interview rescheduled")
		at := time.Now().Add(time.Duration(1+d.rng.IntN(96)) * time.Hour).Truncate(30 * time.Minute)
		return d.deliver(ctx, l.RescheduleInterview(oppID, iv.ID, at))
	case r < 88:
		d.count("interview canceled")
		return d.deliver(ctx, l.CancelInterview(oppID, iv.ID))
	case r < 95:
		d.count("interview deleted")
		return d.deliver(ctx, l.DeleteInterview(oppID, iv.ID))
	}
	d.count("stage changed")
	return d.deliver(ctx, l.ChangeStage(oppID))
}

func (d *Day) count(kind string) { d.st.Changes[kind]++ }

// pickInterview picks a live, not canceled interview.
func (d *Day) pickInterview() (string, lever.Interview, bool) {
	all := d.env.Lever.AllInterviews()
	opps := make([]string, 0, len(all))
	for id, ivs := range all {
		if len(ivs) > 0 {
			opps = append(opps, id)
		}
	}
	slices.Sort(opps)
	for range 20 {
		if len(opps) == 0 {
			break
		}
		id := opps[d.rng.IntN(len(opps))]
		ivs := all[id]
		iv := ivs[d.rng.IntN(len(ivs))]
		if iv.CanceledAt == nil {
			return id, iv, true
		}
	}
	return "", lever.Interview{}, false
}

// deliver sends a delivery unless it is one of the lost ones.
func (d *Day) deliver(ctx context.Context, del levertest.Delivery) error {
	if len(del.Body) == 0 {
		return nil
	}
	if d.rng.Float64() < d.lost {
		d.st.Lost++
		return nil
	}
	return d.expect(ctx, del.Body, http.StatusOK, del.Event)
}

// expect sends body and checks its answer.
func (d *Day) expect(ctx context.Context, body []byte, want int, what string) error {
	status, err := d.env.Lever.Send(ctx, d.url, levertest.Delivery{Body: body})
	if err != nil {
		return fmt.Errorf("send %s: %w", what, err)
	}
	d.st.Sent++
	if status == http.StatusOK {
		d.st.Accepted++
	} else {
		d.st.Refused++
	}
	if status != want {
		d.st.Unexpected = append(d.st.Unexpected, fmt.Sprintf("%s: answered %d, want %d", what, status, want))
	}
	return nil
}

// hostile sends deliveries the daemon must refuse or take only once: a replay, a forged
// signature, a stale one and one for an event with no signing token.
func (d *Day) hostile(ctx context.Context) error {
	l := d.env.Lever
	oppID, _, ok := d.pickInterview()
	if !ok {
		return nil
	}
	genuine := l.ChangeStage(oppID)
	d.count("stage changed")
	cases := []struct {
		body []byte
		want int
		what string
	}{
		{genuine.Body, http.StatusOK, "genuine delivery"},
		{genuine.Body, http.StatusOK, "replayed delivery (duplicate)"},
		{reSign(genuine.Body, "forged", 0), http.StatusUnauthorized, "forged signature"},
		{d.signedAt(lever.EventInterviewUpdated, oppID, time.Now().Add(-time.Hour)), http.StatusUnauthorized, "stale delivery"},
		{d.signedAt(lever.EventCandidateHired, oppID, time.Now()), http.StatusUnauthorized, "event with no signing token"},
		{[]byte(`{"event": "interviewCreated", "triggeredAt": 1.5e12}`), http.StatusBadRequest, "malformed envelope"},
	}
	for _, c := range cases {
		if err := d.expect(ctx, c.body, c.want, c.what); err != nil {
			return err
		}
	}
	return nil
}

// signedAt builds a delivery signed with the event's token as Lever would at time at.
func (d *Day) signedAt(event, oppID string, at time.Time) []byte {
	token := fmt.Sprintf("demo-%d", d.rng.Int64())
	ms := at.UnixMilli()
	body, _ := json.Marshal(map[string]any{
		"triggeredAt": ms, "event": event, "token": token,
		"signature": lever.Sign(d.env.Lever.SigningToken(event), token, ms),
		"data":      map[string]string{"opportunityId": oppID},
	})
	return body
}

// reSign replaces a delivery's signature.
func reSign(body []byte, signature string, _ int) []byte {
	var m map[string]any
	_ = json.Unmarshal(body, &m)
	m["signature"] = signature
	out, _ := json.Marshal(m)
	return out
}
