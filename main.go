// Command leverbright keeps BrightHire in step with Lever: it takes Lever's webhooks, syncs
// positions, candidates, call guides and interviews to BrightHire, reconciles on a schedule
// and writes BrightHire's interview notes back into Lever.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/leverbright/leverbright/config"
	"github.com/leverbright/leverbright/daemon"
	"github.com/leverbright/leverbright/demo"
)

// command is one leverbright subcommand.
type command struct {
	name, usage, help string
	run               func(args []string) error
}

// commands is filled in init: the commands' own usage refers back to it.
var commands []command

func init() {
	commands = []command{
		{"run", "run [-config FILE]", "run the daemon in the foreground (what the systemd unit starts)", runCmd},
		{"check", "check [-config FILE]", "validate a config file; exit 1 listing every error", checkCmd},
		{"demo", "demo [-size N] [-serve] [-v] [-seed N]", "run the daemon against simulated Lever and BrightHire on loopback", demoCmd},
		{"status", "status [-config FILE] [-json]", "show the running daemon's state", statusCmd},
		{"sync", "sync [-config FILE] [-full]", "ask the running daemon to reconcile with Lever now", syncCmd},
		{"deadletters", "deadletters [-config FILE] list|retry ID|retry-all|drop ID", "list, retry or drop work that failed for good", deadLettersCmd},
		{"webhooks", "webhooks [-config FILE] register -public-url URL | list", "subscribe to Lever's webhooks and keep their signing tokens", webhooksCmd},
		{"backup", "backup [-config FILE] FILE", "write a consistent copy of the store to FILE", backupCmd},
		{"version", "version", "print the version", versionCmd},
	}
}

func main() {
	os.Exit(exitCode(dispatch(os.Args[1:])))
}

// exitCode reports err and turns it into the exit status: 0 for success or help asked for,
// 2 for a command line that could not be understood, 1 for a command that failed.
func exitCode(err error) int {
	var ue *usageError
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
		return 0
	case errors.As(err, &ue):
		if !ue.shown {
			fmt.Fprintln(os.Stderr, "leverbright:", ue.err)
		}
		return 2
	case !errors.Is(err, errReported):
		fmt.Fprintln(os.Stderr, "leverbright:", err)
	}
	return 1
}

// usageError is a command line that could not be understood; shown is true when the flag
// package has already printed it with the usage.
type usageError struct {
	err   error
	shown bool
}

func (e *usageError) Error() string { return e.err.Error() }
func (e *usageError) Unwrap() error { return e.err }

// errReported is returned by a command that has already told the user what went wrong.
var errReported = errors.New("reported")

func dispatch(args []string) error {
	if len(args) == 0 {
		usage(os.Stderr)
		return &usageError{err: errors.New("no command given"), shown: true}
	}
	if args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(os.Stderr)
		return nil
	}
	for _, c := range commands {
		if c.name == args[0] {
			return c.run(args[1:])
		}
	}
	usage(os.Stderr)
	return &usageError{err: fmt.Errorf("unknown command %q", args[0])}
}

func usage(w io.Writer) {
	fmt.Fprintf(w, "leverbright %s: keeps BrightHire in step with Lever.\n\nUsage:\n", daemon.Version)
	for _, c := range commands {
		fmt.Fprintf(w, "  leverbright %-58s %s\n", c.usage, c.help)
	}
	fmt.Fprintf(w, "\nThe config file defaults to $LEVERBRIGHT_CONFIG, else %s.\n", "/etc/leverbright/config.toml")
	fmt.Fprintln(w, "Run 'leverbright COMMAND -h' for a command's flags.")
}

// newFlags is a flag set for a subcommand with its usage line and, if withConfig, -config.
func newFlags(name string, withConfig bool) (*flag.FlagSet, *string) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	for _, c := range commands {
		if c.name == name {
			fs.Usage = func() {
				fmt.Fprintf(fs.Output(), "Usage: leverbright %s\n\n%s.\n\nFlags:\n", c.usage, c.help)
				fs.PrintDefaults()
			}
		}
	}
	var path *string
	if withConfig {
		path = fs.String("config", config.DefaultPath(), "config file")
	}
	return fs, path
}

// parseArgs parses args with fs, allowing flags after the positional arguments
// ("backup FILE -config X"), and returns the positional ones. After "--" nothing is a flag.
func parseArgs(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, err
			}
			return nil, &usageError{err: err, shown: true}
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, nil
		}
		if n := len(args) - len(rest); n > 0 && args[n-1] == "--" {
			return append(pos, rest...), nil
		}
		pos, args = append(pos, rest[0]), rest[1:]
	}
}

// parseFlags parses args with fs for a command that takes no positional arguments.
func parseFlags(fs *flag.FlagSet, args []string) error {
	rest, err := parseArgs(fs, args)
	if err == nil && len(rest) > 0 {
		fs.Usage()
		err = &usageError{err: fmt.Errorf("%s: unexpected argument %q", fs.Name(), rest[0])}
	}
	return err
}

func versionCmd(args []string) error {
	fs, _ := newFlags("version", false)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	fmt.Println("leverbright", daemon.Version)
	return nil
}

func runCmd(args []string) error {
	fs, path := newFlags("run", true)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	cfg, err := config.Load(*path)
	if err != nil {
		printConfigErrors(os.Stderr, err)
		return errReported
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return runDaemon(ctx, cfg, os.Stderr)
}

// runDaemon builds the logger and runs the daemon on cfg until ctx ends, reloading on SIGHUP.
// `run` and `demo` both come through here.
func runDaemon(ctx context.Context, cfg *config.Config, logTo io.Writer) error {
	logger, level := config.NewLogger(logTo, cfg.Log.Level, cfg.Log.Format)
	for _, w := range cfg.Warnings() {
		logger.Warn("config warning", "warning", w)
	}
	d := daemon.New(cfg, daemon.Options{
		Logger: logger,
		SetLog: func(lv, format string) error {
			l, err := config.ParseLevel(lv)
			if err != nil {
				return err
			}
			level.Set(l)
			return config.SetLogFormat(logger, format)
		},
	})
	// Catch SIGHUP before the daemon starts: its default action would end the process.
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	hupCtx, stopHup := context.WithCancel(ctx)
	defer stopHup()
	go reloadOnHangup(hupCtx, d, hup)
	if err := d.Run(ctx); err != nil {
		logger.Error("leverbright stopped", "err", err)
		return errReported
	}
	return nil
}

// reloadOnHangup reloads the config on SIGHUP, which `systemctl reload` sends. A SIGHUP that
// comes while the daemon is starting is applied once it is ready: the daemon cannot reload
// before its listeners are up.
func reloadOnHangup(ctx context.Context, d *daemon.Daemon, hup <-chan os.Signal) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-hup:
		}
		for !d.Ready() {
			select {
			case <-ctx.Done():
				return
			case <-time.After(50 * time.Millisecond):
			}
		}
		_ = d.Reload()
	}
}

func checkCmd(args []string) error {
	fs, path := newFlags("check", true)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	cfg, err := config.Load(*path)
	if err != nil {
		printConfigErrors(os.Stdout, err)
		return errReported
	}
	for _, w := range cfg.Warnings() {
		fmt.Println("warning:", w)
	}
	fmt.Printf("%s: ok\n", *path)
	return nil
}

// printConfigErrors prints every config error, one a line.
func printConfigErrors(w io.Writer, err error) {
	var errs config.Errors
	if errors.As(err, &errs) {
		for _, e := range errs {
			fmt.Fprintln(w, e)
		}
		fmt.Fprintf(w, "%d error(s)\n", len(errs))
		return
	}
	fmt.Fprintln(w, err)
}

func demoCmd(args []string) error {
	fs, _ := newFlags("demo", false)
	opts := demo.Options{}
	fs.IntVar(&opts.Size, "size", 200, "opportunities in the simulated Lever")
	fs.BoolVar(&opts.Serve, "serve", false, "keep running with the admin listener up after the summary")
	fs.BoolVar(&opts.Verbose, "v", false, "show the daemon's own log")
	fs.Int64Var(&opts.Seed, "seed", 1, "seed of the simulated data set")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	opts.RunDaemon = runDaemon
	return demo.Run(ctx, opts, os.Stdout)
}
