package daemon_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/leverbright/leverbright/demo"
)

func TestDaemon_Run_RefusedCredentialsPauseUntilFixed(t *testing.T) {
	env := newTestEnv(t, demo.EnvOptions{})
	tokenFile := filepath.Join(env.Dir, "brighthire_token")
	if err := os.WriteFile(tokenFile, []byte("wrong-token\n"), 0o600); err != nil {
		t.Fatalf("write token: %v", err)
	}
	r := startDaemon(t, env, true)
	opp := firstOpportunity(t, env, 0)
	iv, d := env.Lever.ScheduleInterview(opp.ID)
	r.send(d)

	waitFor(t, 10*time.Second, "queue paused for refused credentials", func() (bool, string) {
		st := r.d.Status()
		return strings.Contains(st.Paused, "brighthire refuses"), st.Paused
	})
	if st := r.d.Status(); st.DeadLetter != 0 || st.QueueDepth == 0 {
		t.Fatalf("while refused: got %d dead letters, queue %d; want 0 and the work kept",
			st.DeadLetter, st.QueueDepth)
	}

	if err := os.WriteFile(tokenFile, []byte(env.BrightHire.Token()+"\n"), 0o600); err != nil {
		t.Fatalf("write token: %v", err)
	}
	if err := r.d.Reload(); err != nil {
		t.Fatalf("reload: %v", err)
	}
	waitFor(t, 10*time.Second, "interview in brighthire after the fix", func() (bool, string) {
		got, ok := env.BrightHire.Interviews()[iv.ID]
		return ok && !got.Deleted, "not there"
	})
	r.waitIdle()
	if st := r.d.Status(); st.DeadLetter != 0 || st.Paused != "" {
		t.Fatalf("after the fix: got %d dead letters, paused %q", st.DeadLetter, st.Paused)
	}
}
