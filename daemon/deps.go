package daemon

import (
	"context"
	"fmt"
	"iter"
	"time"

	"github.com/leverbright/leverbright/brighthire"
	"github.com/leverbright/leverbright/config"
	"github.com/leverbright/leverbright/lever"
)

// leverAPI is the part of the Lever client the relay uses.
type leverAPI interface {
	ListOpportunities(ctx context.Context, q lever.OpportunityQuery) iter.Seq2[lever.Opportunity, error]
	GetOpportunity(ctx context.Context, id string, expand ...string) (lever.Opportunity, error)
	ListInterviews(ctx context.Context, opportunityID string) iter.Seq2[lever.Interview, error]
	GetInterview(ctx context.Context, opportunityID, interviewID string) (lever.Interview, error)
	GetPosting(ctx context.Context, id string) (lever.Posting, error)
	ListPostings(ctx context.Context) iter.Seq2[lever.Posting, error]
	GetUser(ctx context.Context, id string) (lever.User, error)
	ListUsers(ctx context.Context) iter.Seq2[lever.User, error]
	GetFeedbackTemplate(ctx context.Context, id string) (lever.FeedbackTemplate, error)
	ListNotes(ctx context.Context, opportunityID string) iter.Seq2[lever.Note, error]
	CreateNote(ctx context.Context, opportunityID string, in lever.NoteInput) (lever.Note, error)
}

// deps are the clients and verifiers built from one config; a reload swaps them whole.
type deps struct {
	cfg         *config.Config
	lever       leverAPI
	leverClient *lever.Client
	bh          brighthire.API // nil when no BrightHire API is configured
	forward     *brighthire.Forwarder
	leverVerify *lever.Verifier
	bhVerify    *brighthire.WebhookVerifier // nil when no webhook secret is configured
}

// current returns the deps in force.
func (d *Daemon) current() *deps { return d.deps.Load() }

// buildDeps builds clients and verifiers for cfg and puts them in force.
func (d *Daemon) buildDeps(cfg *config.Config) error {
	dp, err := d.newDeps(cfg)
	if err != nil {
		return err
	}
	d.deps.Store(dp)
	return nil
}

// newDeps builds clients and verifiers for cfg without putting them in force.
func (d *Daemon) newDeps(cfg *config.Config) (*deps, error) {
	lc := d.newLeverClient(cfg)
	dp := &deps{
		cfg:         cfg,
		lever:       lc,
		leverClient: lc,
		forward:     &brighthire.Forwarder{HTTP: d.opts.HTTPClient, UserAgent: userAgent()},
	}
	if cfg.BrightHire.BaseURL != "" {
		dp.bh = d.newBrightHireClient(cfg)
	}
	verifier, err := d.leverVerifier(cfg)
	if err != nil {
		return nil, err
	}
	dp.leverVerify = verifier
	if cfg.BrightHire.WebhookSecret.IsSet() {
		dp.bhVerify = &brighthire.WebhookVerifier{
			Secrets: []string{cfg.BrightHire.WebhookSecret.Value()},
			Now:     d.now,
		}
	}
	return dp, nil
}

func userAgent() string { return "leverbright/" + Version }

func (d *Daemon) newLeverClient(cfg *config.Config) *lever.Client {
	opts := []lever.Option{
		lever.WithRateLimit(cfg.Lever.RequestsPerSecond, cfg.Lever.Burst),
		lever.WithUserAgent(userAgent()),
		lever.WithObserver(d.observeLever),
		lever.WithLogger(d.log),
	}
	if d.opts.HTTPClient != nil {
		opts = append(opts, lever.WithHTTPClient(d.opts.HTTPClient))
	}
	if d.opts.ClientRetryBase > 0 {
		opts = append(opts, lever.WithRetry(6, d.opts.ClientRetryBase, d.opts.ClientRetryMax))
	}
	return lever.NewClient(cfg.Lever.BaseURL, cfg.Lever.APIKey.Value(), opts...)
}

func (d *Daemon) newBrightHireClient(cfg *config.Config) *brighthire.Client {
	opts := []brighthire.Option{
		brighthire.WithUserAgent(userAgent()),
		brighthire.WithObserver(d.observeBrightHire),
		brighthire.WithLogger(d.log),
	}
	if d.opts.HTTPClient != nil {
		opts = append(opts, brighthire.WithHTTPClient(d.opts.HTTPClient))
	}
	if d.opts.ClientRetryBase > 0 {
		opts = append(opts, brighthire.WithRetry(4, d.opts.ClientRetryBase, d.opts.ClientRetryMax))
	}
	return brighthire.NewClient(cfg.BrightHire.BaseURL, cfg.BrightHire.APIToken.Value(), opts...)
}

// observeLever counts a Lever call and, when it succeeded, ends a pause Lever caused.
func (d *Daemon) observeLever(method, route string, status int, took time.Duration) {
	d.metrics.observeLever(method, route, status, took)
	if status/100 == 2 {
		d.answered("lever")
	}
}

// observeBrightHire counts a BrightHire call and, when it succeeded, ends a pause BrightHire
// caused.
func (d *Daemon) observeBrightHire(method, route string, status int, took time.Duration) {
	d.metrics.observeBrightHire(method, route, status, took)
	if status/100 == 2 {
		d.answered("brighthire")
	}
}

// leverVerifier merges the configured signing tokens with those registered through the
// webhook subscription API and kept in the store.
func (d *Daemon) leverVerifier(cfg *config.Config) (*lever.Verifier, error) {
	v := &lever.Verifier{
		Tokens: map[string][]string{},
		MaxAge: cfg.Lever.Webhooks.MaxAge,
		Now:    d.now,
	}
	if cfg.Lever.Webhooks.SigningToken.IsSet() {
		v.Fallback = []string{cfg.Lever.Webhooks.SigningToken.Value()}
	}
	for event, tokens := range cfg.Lever.Webhooks.SigningTokens {
		for _, t := range tokens {
			v.Tokens[event] = append(v.Tokens[event], t.Value())
		}
	}
	subs, err := d.store.Webhooks()
	if err != nil {
		return nil, fmt.Errorf("load registered webhooks: %w", err)
	}
	for _, s := range subs {
		v.Tokens[s.Event] = append(v.Tokens[s.Event], s.SigningToken)
	}
	return v, nil
}

// refreshVerifier rebuilds the Lever verifier after webhooks were registered or removed.
func (d *Daemon) refreshVerifier() error {
	old := d.current()
	v, err := d.leverVerifier(old.cfg)
	if err != nil {
		return err
	}
	next := *old
	next.leverVerify = v
	d.deps.Store(&next)
	return nil
}
