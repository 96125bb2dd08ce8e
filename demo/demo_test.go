package demo_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/leverbright/leverbright/config"
	"github.com/leverbright/leverbright/daemon"
	"github.com/leverbright/leverbright/demo"
)

// runDaemon runs the daemon as the run command does, logging to logTo.
func runDaemon(ctx context.Context, cfg *config.Config, logTo io.Writer) error {
	logger := slog.New(slog.NewTextHandler(logTo, nil))
	return daemon.New(cfg, daemon.Options{Logger: logger}).Run(ctx)
}

func TestRun_SmallDataSetEndsInStep(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var out bytes.Buffer
	err := demo.Run(ctx, demo.Options{Size: 30, Seed: 3, RunDaemon: runDaemon}, &out)
	if err != nil {
		t.Fatalf("demo: %v\n%s", err, out.String())
	}
	for _, want := range []string{"backfill done", "recruiting day", "summary", "end state         OK"} {
		if !strings.Contains(out.String(), want) {
			t.Fatalf("demo output lacks %q:\n%s", want, out.String())
		}
	}
}

func TestEnv_Verify_ReportsWhatIsOutOfStep(t *testing.T) {
	env, err := demo.NewEnv(t.TempDir(), demo.EnvOptions{Seed: 4, Opportunities: 10})
	if err != nil {
		t.Fatalf("env: %v", err)
	}
	defer env.Close()
	check := env.Verify()
	if check.OK() || check.LiveInterviews == 0 || check.Linked != 0 || len(check.Problems) == 0 {
		t.Fatalf("nothing synced yet: got ok=%v live=%d linked=%d problems=%d, want a failed check",
			check.OK(), check.LiveInterviews, check.Linked, len(check.Problems))
	}
	if !strings.Contains(check.Problems[0], "is not in BrightHire") {
		t.Fatalf("first problem: got %q", check.Problems[0])
	}
}
