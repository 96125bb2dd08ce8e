package daemon

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/leverbright/leverbright/lever"
	"github.com/leverbright/leverbright/store"
)

// SubscribedEvents are the Lever events `webhooks register` subscribes to.
var SubscribedEvents = []string{
	lever.EventApplicationCreated, lever.EventInterviewCreated,
	lever.EventInterviewUpdated, lever.EventInterviewDeleted,
}

// Subscription is a registered Lever webhook as listed to a person: never with its token.
type Subscription struct {
	ID       string `json:"id"`
	Event    string `json:"event"`
	URL      string `json:"url"`
	HasToken bool   `json:"has_signing_token"`
}

// ErrBadPublicURL is returned for a public URL that is not an absolute http(s) URL.
var ErrBadPublicURL = errors.New("public url must be an absolute http(s) url")

// RegisterWebhooks subscribes publicURL's /webhooks/lever to every event in
// SubscribedEvents through Lever's webhook API and keeps each signing token in the store.
// Events already registered to that URL are left alone, so it is safe to run again; the
// daemon's own subscriptions to another URL (a moved daemon) are deleted once the new ones
// exist.
func RegisterWebhooks(ctx context.Context, lc *lever.Client, st *store.Store, publicURL string) ([]Subscription, error) {
	target, err := webhookTarget(publicURL)
	if err != nil {
		return nil, err
	}
	have, err := st.Webhooks()
	if err != nil {
		return nil, fmt.Errorf("read registered webhooks: %w", err)
	}
	for _, event := range SubscribedEvents {
		if registered(have, event, target) {
			continue
		}
		if err := subscribe(ctx, lc, st, event, target); err != nil {
			return nil, err
		}
	}
	if err := unsubscribeOthers(ctx, lc, st, have, target); err != nil {
		return nil, err
	}
	return ListWebhooks(st)
}

func subscribe(ctx context.Context, lc *lever.Client, st *store.Store, event, target string) error {
	w, err := lc.CreateWebhook(ctx, lever.WebhookInput{Event: event, URL: target})
	if err != nil {
		return fmt.Errorf("create %s webhook: %w", event, err)
	}
	sub := store.WebhookSub{ID: w.ID, Event: event, URL: target, SigningToken: w.Configuration.SignatureToken}
	if err := st.PutWebhook(sub); err != nil {
		return fmt.Errorf("keep %s webhook: %w", event, err)
	}
	return nil
}

// unsubscribeOthers deletes the daemon's subscriptions, of the events it subscribes, to any
// URL but target; ones Lever no longer has are only forgotten.
func unsubscribeOthers(ctx context.Context, lc *lever.Client, st *store.Store, have []store.WebhookSub, target string) error {
	for _, s := range have {
		if s.URL == target || !slices.Contains(SubscribedEvents, s.Event) {
			continue
		}
		if err := lc.DeleteWebhook(ctx, s.ID); err != nil && !errors.Is(err, lever.ErrNotFound) {
			return fmt.Errorf("delete %s webhook to %s: %w", s.Event, s.URL, err)
		}
		if err := st.DeleteWebhook(s.ID); err != nil {
			return fmt.Errorf("forget %s webhook: %w", s.Event, err)
		}
	}
	return nil
}

// ListWebhooks lists the registered webhooks without their tokens.
func ListWebhooks(st *store.Store) ([]Subscription, error) {
	subs, err := st.Webhooks()
	if err != nil {
		return nil, fmt.Errorf("read registered webhooks: %w", err)
	}
	out := make([]Subscription, 0, len(subs))
	for _, s := range subs {
		out = append(out, Subscription{ID: s.ID, Event: s.Event, URL: s.URL, HasToken: s.SigningToken != ""})
	}
	return out, nil
}

// webhookTarget is the Lever webhook URL under the daemon's public URL.
func webhookTarget(publicURL string) (string, error) {
	u, err := url.Parse(publicURL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return "", fmt.Errorf("public url %q: %w", publicURL, ErrBadPublicURL)
	}
	return strings.TrimRight(u.String(), "/") + "/webhooks/lever", nil
}

func registered(have []store.WebhookSub, event, target string) bool {
	for _, s := range have {
		if s.Event == event && s.URL == target {
			return true
		}
	}
	return false
}

func (d *Daemon) handleWebhookList(w http.ResponseWriter, _ *http.Request) {
	subs, err := ListWebhooks(d.store)
	if err != nil {
		writeText(w, http.StatusInternalServerError, err.Error())
		return
	}
	writeJSON(w, http.StatusOK, subs)
}

func (d *Daemon) handleWebhookRegister(w http.ResponseWriter, r *http.Request) {
	var in struct {
		PublicURL string `json:"public_url"`
	}
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 64<<10)).Decode(&in); err != nil {
		writeText(w, http.StatusBadRequest, "body must be {\"public_url\": \"https://...\"}")
		return
	}
	subs, err := RegisterWebhooks(r.Context(), d.current().leverClient, d.store, in.PublicURL)
	if err == nil {
		err = d.refreshVerifier()
	}
	switch {
	case errors.Is(err, ErrBadPublicURL):
		writeText(w, http.StatusBadRequest, err.Error())
		return
	case err != nil:
		writeText(w, http.StatusBadGateway, err.Error())
		return
	}
	writeJSON(w, http.StatusOK, subs)
}
