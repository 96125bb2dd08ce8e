package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/BurntSushi/toml"

	"github.com/leverbright/leverbright/config"
	"github.com/leverbright/leverbright/daemon"
	"github.com/leverbright/leverbright/lever"
	"github.com/leverbright/leverbright/store"
)

// admin talks to a running daemon's admin listener.
type admin struct {
	base string
	http *http.Client
}

// adminFor finds the admin listener: override (-admin) when given, else listen.admin of the
// config file. A file that does not validate (a refused edit, or secret files this user
// cannot read) is still read for listen.admin, so `status` can show why; the config comes
// back nil then, and the user is told which address is asked.
func adminFor(path, override string) (*admin, *config.Config) {
	addr := config.Default().Listen.Admin
	cfg, err := config.Load(path)
	raw := ""
	if err != nil {
		raw = rawAdminAddr(path)
	}
	switch {
	case err == nil:
		addr = cfg.Listen.Admin
	case raw != "":
		addr = raw
		fmt.Fprintf(os.Stderr, "leverbright: %s does not load; asking the daemon at listen.admin = %s\n", path, addr)
	default:
		fmt.Fprintf(os.Stderr, "leverbright: %s cannot be read for listen.admin; asking the default %s "+
			"(use -admin ADDR to choose)\n", path, addr)
	}
	if override != "" {
		addr = override
	}
	return &admin{base: adminBase(addr), http: &http.Client{Timeout: 30 * time.Second}}, cfg
}

// adminFlag adds -admin, which names the admin listener when the config file's listen.admin is
// not where the daemon listens (a refused move of the listener).
func adminFlag(fs *flag.FlagSet) *string {
	return fs.String("admin", "", "admin listener address (host:port); default: listen.admin of the config")
}

// rawAdminAddr reads listen.admin alone from a file that may not validate; "" if it cannot.
func rawAdminAddr(path string) string {
	var raw struct {
		Listen struct {
			Admin string `toml:"admin"`
		} `toml:"listen"`
	}
	if _, err := toml.DecodeFile(path, &raw); err != nil {
		return ""
	}
	return raw.Listen.Admin
}

// adminBase is the URL of an admin listener bound to addr; an unspecified host is this machine.
func adminBase(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		host, port, _ = net.SplitHostPort(config.Default().Listen.Admin)
	}
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		host = "127.0.0.1"
		if ip != nil && ip.To4() == nil {
			host = "::1"
		}
	}
	return "http://" + net.JoinHostPort(host, port)
}

// call sends one request and returns the body of a 2xx answer.
func (a *admin) call(method, path string, body io.Reader) ([]byte, error) {
	req, err := http.NewRequest(method, a.base+path, body)
	if err != nil {
		return nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := a.http.Do(req)
	if err != nil {
		return nil, &unreachableError{base: a.base, err: err}
	}
	defer resp.Body.Close()
	if resp.Header.Get(daemon.AdminHeader) == "" {
		return nil, fmt.Errorf("%s answers (%s), but it is not a leverbright admin listener; if a "+
			"move of listen.admin was refused, the daemon listens on its previous address: pass -admin ADDR",
			a.base, resp.Status)
	}
	out, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		return nil, err
	}
	if resp.StatusCode/100 != 2 {
		return nil, fmt.Errorf("%s %s: %s: %s", method, path, resp.Status, strings.TrimSpace(string(out)))
	}
	return out, nil
}

// unreachableError is a daemon that does not answer at all; only then may a command work on
// the store itself.
type unreachableError struct {
	base string
	err  error
}

func (e *unreachableError) Error() string {
	return fmt.Sprintf("reach the daemon at %s (is it running? if a move of listen.admin was "+
		"refused, it listens on its previous address: pass -admin ADDR): %v", e.base, e.err)
}

func (e *unreachableError) Unwrap() error { return e.err }

// offline reports whether err says no daemon answers, so the store can be opened directly.
func offline(err error, cfg *config.Config) bool {
	var ue *unreachableError
	return errors.As(err, &ue) && cfg != nil
}

func statusCmd(args []string) error {
	fs, path := newFlags("status", true)
	adminAddr := adminFlag(fs)
	asJSON := fs.Bool("json", false, "print the raw JSON")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	a, _ := adminFor(*path, *adminAddr)
	body, err := a.call(http.MethodGet, "/status", nil)
	if err != nil {
		return err
	}
	if *asJSON {
		_, err = os.Stdout.Write(body)
		return err
	}
	var st daemon.Status
	if err := json.Unmarshal(body, &st); err != nil {
		return fmt.Errorf("decode status: %w", err)
	}
	printStatus(os.Stdout, st)
	return nil
}

// printStatus writes the daemon's state for a person.
func printStatus(w io.Writer, st daemon.Status) {
	ready := "ready"
	if !st.Ready {
		ready = "NOT READY"
	}
	fmt.Fprintf(w, "leverbright %s, %s, up %s\n", st.Version, ready, st.Uptime)
	reload := "ok"
	if !st.Config.ReloadOK {
		reload = "REFUSED: " + st.Config.ReloadError
	}
	fmt.Fprintf(w, "config      %s (last reload %s)\n", st.Config.Path, reload)
	if len(st.Config.NeedsRestart) > 0 {
		fmt.Fprintf(w, "            restart needed for: %s\n", strings.Join(st.Config.NeedsRestart, ", "))
	}
	fmt.Fprintf(w, "deliveries  %d accepted, %d refused\n", st.Deliveries.Accepted, st.Deliveries.Refused)
	fmt.Fprintf(w, "queue       %d waiting, %d dead letters\n", st.QueueDepth, st.DeadLetter)
	if st.Paused != "" {
		fmt.Fprintf(w, "            PAUSED: %s\n", st.Paused)
	}
	fmt.Fprintf(w, "links       %d interviews, %d deleted, %d notes in lever, %d caught by reconciliation\n",
		st.Links.Interviews, st.Links.Tombstones, st.Links.NotesWritten, st.Links.CaughtByReconciling)
	names := make([]string, 0, len(st.Passes))
	for n := range st.Passes {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		p := st.Passes[n]
		fmt.Fprintf(w, "pass %-11s %s\n", n, describePass(p))
	}
	if st.Backfill.Running {
		fmt.Fprintf(w, "full sweep  %d/%d, %.1f/s, %s left\n", st.Backfill.Done, st.Backfill.Total, st.Backfill.Rate, st.Backfill.TimeLeft)
	}
}

func describePass(p daemon.PassState) string {
	switch {
	case p.Running:
		return "running since " + p.LastStart.Format(time.RFC3339)
	case p.LastStart.IsZero():
		return "not run yet"
	}
	return fmt.Sprintf("last %s, took %s, found %d, result %s", p.LastEnd.Format(time.RFC3339), p.Duration, p.Found, p.Result)
}

func syncCmd(args []string) error {
	fs, path := newFlags("sync", true)
	adminAddr := adminFlag(fs)
	full := fs.Bool("full", false, "a full resync instead of a reconcile pass")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	a, _ := adminFor(*path, *adminAddr)
	q := url.Values{}
	if *full {
		q.Set("full", "true")
	}
	if _, err := a.call(http.MethodPost, "/admin/sync?"+q.Encode(), nil); err != nil {
		return err
	}
	fmt.Println("sync started; follow it with 'leverbright status'")
	return nil
}

func deadLettersCmd(args []string) error {
	fs, path := newFlags("deadletters", true)
	adminAddr := adminFlag(fs)
	rest, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(rest) == 0 {
		rest = []string{"list"}
	}
	ok := len(rest) == 1 && (rest[0] == "list" || rest[0] == "retry-all") ||
		len(rest) == 2 && (rest[0] == "retry" || rest[0] == "drop")
	if !ok {
		fs.Usage()
		return usageErr("deadletters: expected list, retry ID, retry-all or drop ID")
	}
	a, _ := adminFor(*path, *adminAddr)
	switch rest[0] {
	case "list":
		return listDeadLetters(a)
	case "retry-all":
		return retryAllDeadLetters(a)
	}
	_, err = a.call(http.MethodPost, "/admin/deadletters/"+rest[0]+"?id="+url.QueryEscape(rest[1]), nil)
	if err == nil {
		fmt.Println(rest[0], rest[1], "ok")
	}
	return err
}

func retryAllDeadLetters(a *admin) error {
	body, err := a.call(http.MethodPost, "/admin/deadletters/retry-all", nil)
	if err != nil {
		return err
	}
	var out struct{ Retried int }
	if err := json.Unmarshal(body, &out); err != nil {
		return fmt.Errorf("decode answer: %w", err)
	}
	fmt.Printf("%d dead letters queued again\n", out.Retried)
	return nil
}

func listDeadLetters(a *admin) error {
	body, err := a.call(http.MethodGet, "/admin/deadletters", nil)
	if err != nil {
		return err
	}
	var dls []daemon.DeadLetterView
	if err := json.Unmarshal(body, &dls); err != nil {
		return fmt.Errorf("decode dead letters: %w", err)
	}
	if len(dls) == 0 {
		fmt.Println("no dead letters")
	}
	for _, dl := range dls {
		fmt.Printf("%d  %s %s  key=%s attempts=%d dead=%s\n    %s\n", dl.ID, dl.Source, dl.Kind, dl.Key,
			dl.Attempts, dl.DeadAt.Format(time.RFC3339), dl.Reason)
	}
	return nil
}

// usageErr is a command line that could not be understood, exit status 2.
func usageErr(msg string) error { return &usageError{err: errors.New(msg)} }

func webhooksCmd(args []string) error {
	fs, path := newFlags("webhooks", true)
	adminAddr := adminFlag(fs)
	public := fs.String("public-url", "", "register: the daemon's public base URL as Lever reaches it, "+
		"e.g. https://lb.example.com")
	rest, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	switch {
	case len(rest) == 0:
		fs.Usage()
		return usageErr("webhooks: expected register or list")
	case len(rest) > 1:
		fs.Usage()
		return usageErr(fmt.Sprintf("webhooks %s: unexpected argument %q", rest[0], rest[1]))
	case rest[0] == "list":
		return webhooksList(*path, *adminAddr)
	case rest[0] == "register":
		return webhooksRegister(*path, *adminAddr, *public)
	}
	fs.Usage()
	return usageErr(fmt.Sprintf("webhooks: unknown action %q", rest[0]))
}

func webhooksRegister(path, adminAddr, public string) error {
	if public == "" {
		return usageErr("webhooks register: -public-url is required")
	}
	a, cfg := adminFor(path, adminAddr)
	body, _ := json.Marshal(map[string]string{"public_url": public})
	out, err := a.call(http.MethodPost, "/admin/webhooks/register", strings.NewReader(string(body)))
	if err == nil {
		return printSubscriptions(out)
	}
	if !offline(err, cfg) {
		return err
	}
	// No daemon answers: register with the store directly.
	return withStore(cfg, func(st *store.Store) error {
		lc := lever.NewClient(cfg.Lever.BaseURL, cfg.Lever.APIKey.Value(),
			lever.WithUserAgent("leverbright/"+daemon.Version))
		subs, err := daemon.RegisterWebhooks(context.Background(), lc, st, public)
		if err != nil {
			return err
		}
		return printSubscriptionList(subs)
	})
}

func webhooksList(path, adminAddr string) error {
	a, cfg := adminFor(path, adminAddr)
	out, err := a.call(http.MethodGet, "/admin/webhooks", nil)
	if err == nil {
		return printSubscriptions(out)
	}
	if !offline(err, cfg) {
		return err
	}
	return withStore(cfg, func(st *store.Store) error {
		subs, err := daemon.ListWebhooks(st)
		if err != nil {
			return err
		}
		return printSubscriptionList(subs)
	})
}

func printSubscriptions(body []byte) error {
	var subs []daemon.Subscription
	if err := json.Unmarshal(body, &subs); err != nil {
		return fmt.Errorf("decode webhooks: %w", err)
	}
	return printSubscriptionList(subs)
}

func printSubscriptionList(subs []daemon.Subscription) error {
	if len(subs) == 0 {
		fmt.Println("no webhooks registered")
	}
	for _, s := range subs {
		token := "signing token kept"
		if !s.HasToken {
			token = "NO signing token: set lever.webhooks.signing_token"
		}
		fmt.Printf("%-22s %s  (%s, id %s)\n", s.Event, s.URL, token, s.ID)
	}
	return nil
}

// withStore opens the store when no daemon holds it.
func withStore(cfg *config.Config, fn func(*store.Store) error) error {
	st, err := store.Open(cfg.Store.Path, store.Options{})
	if err != nil {
		return err
	}
	defer st.Close()
	return fn(st)
}

func backupCmd(args []string) error {
	fs, path := newFlags("backup", true)
	adminAddr := adminFlag(fs)
	rest, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(rest) != 1 {
		fs.Usage()
		return usageErr("backup: expected one FILE")
	}
	a, cfg := adminFor(*path, *adminAddr)
	return writeAtomically(rest[0], func(w io.Writer) error {
		resp, err := a.http.Get(a.base + "/admin/backup")
		if err != nil {
			if cfg == nil {
				return fmt.Errorf("no daemon answers at %s and the config cannot be read", a.base)
			}
			return withStore(cfg, func(st *store.Store) error { _, err := st.Backup(w); return err })
		}
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusOK || resp.Header.Get(daemon.AdminHeader) == "" {
			return fmt.Errorf("backup from the daemon at %s: %s (pass -admin ADDR if it listens "+
				"elsewhere)", a.base, resp.Status)
		}
		_, err = io.Copy(w, resp.Body)
		return err
	})
}

// writeAtomically writes a file through a temporary one, so a failed backup leaves nothing.
func writeAtomically(dst string, fill func(io.Writer) error) error {
	tmp, err := os.CreateTemp(filepath.Dir(dst), ".leverbright-backup-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := fill(tmp); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), dst); err != nil {
		return err
	}
	fmt.Println("backup written to", dst)
	return nil
}
