package daemon_test

import (
	"testing"
	"time"

	"github.com/leverbright/leverbright/demo"
	"github.com/leverbright/leverbright/lever/levertest"
)

// A signed delivery whose data pairs a live interview with another opportunity makes Lever
// answer 404 for that pair; the interview must stay live, since Lever still has it under its
// own opportunity.
func TestDaemon_Webhooks_TamperedPairingKeepsInterview(t *testing.T) {
	env := newTestEnv(t, demo.EnvOptions{Schedule: faultSchedule})
	r := startDaemon(t, env, false)
	r.waitBackfill()
	r.waitIdle()
	ivs := faultLiveInterviews(env, 2)
	if len(ivs) < 2 {
		t.Fatalf("fake lever has %d opportunities with a live interview, want 2", len(ivs))
	}
	owner, stranger := ivs[0], ivs[1]
	for _, event := range []string{"updated", "deleted"} {
		var genuine levertest.Delivery
		if event == "updated" {
			genuine = env.Lever.RescheduleInterview(owner[0], owner[1], time.Now().Add(48*time.Hour).Truncate(time.Hour))
		} else {
			genuine = env.Lever.CancelInterview(stranger[0], stranger[1])
		}
		tampered := levertest.Delivery{Event: genuine.Event, Body: faultTamper(t, genuine.Body,
			map[string]string{"opportunityId": stranger[0], "interviewId": owner[1]})}
		faultReadOnly(t, r, func() { faultDeliver(t, env, tampered, "stored") })
		if iv := env.BrightHire.Interviews()[owner[1]]; iv.Deleted {
			t.Fatalf("%s: interview deleted after a delivery pairing it with another opportunity", event)
		}
		faultDeliver(t, env, genuine, "stored")
	}
	waitVerified(t, env, 15*time.Second)
}
