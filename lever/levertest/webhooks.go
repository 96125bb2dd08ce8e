package levertest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/leverbright/leverbright/lever"
)

// Delivery is one webhook POST body, signed exactly as Lever signs it.
type Delivery struct {
	Event string
	Body  []byte
}

// SigningToken returns the token currently signing event's deliveries.
func (s *Server) SigningToken(event string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.tokens[event]
}

// SetSigningTokens replaces the signing tokens of the given events.
func (s *Server) SetSigningTokens(m map[string]string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for e, t := range m {
		s.tokens[e] = t
	}
}

// deliver builds and signs a delivery; callers hold s.mu.
func (s *Server) deliver(event string, data map[string]any) Delivery {
	at := int64(s.nowMs())
	token := randomToken()
	body, _ := json.Marshal(struct {
		TriggeredAt int64          `json:"triggeredAt"`
		Event       string         `json:"event"`
		Token       string         `json:"token"`
		Signature   string         `json:"signature"`
		Data        map[string]any `json:"data"`
	}{at, event, token, lever.Sign(s.tokens[event], token, at), data})
	return Delivery{Event: event, Body: body}
}

// sendClient posts deliveries; the URL is always one the test chose.
var sendClient = &http.Client{Timeout: 10 * time.Second}

// Send POSTs d to url as Lever would and returns the answer's status.
func (s *Server) Send(ctx context.Context, url string, d Delivery) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(d.Body))
	if err != nil {
		return 0, fmt.Errorf("build delivery: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Lever-Webhooks")
	resp, err := sendClient.Do(req)
	if err != nil {
		return 0, fmt.Errorf("send delivery: %w", err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	return resp.StatusCode, nil
}

// createWebhook subscribes a URL; the fresh signatureToken from then on
// signs that event's deliveries.
func (s *Server) createWebhook(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Event         string                      `json:"event"`
		URL           string                      `json:"url"`
		Configuration *lever.WebhookConfiguration `json:"configuration"`
	}
	err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20)).Decode(&in)
	if err != nil || !slices.Contains(allEvents, in.Event) || in.URL == "" {
		writeError(w, http.StatusBadRequest, "BadRequest", "event and url are required")
		return
	}
	s.mu.Lock()
	wh := lever.Webhook{ID: s.uuid(), Event: in.Event, URL: in.URL, CreatedAt: s.nowMs()}
	wh.Configuration.SignatureToken = randomToken()
	if in.Configuration != nil {
		wh.Configuration.Conditions = in.Configuration.Conditions
	}
	s.tokens[in.Event] = wh.Configuration.SignatureToken
	i, _ := slices.BinarySearchFunc(s.webhooks, wh.ID, cmpWebhook)
	s.webhooks = slices.Insert(s.webhooks, i, wh)
	s.mu.Unlock()
	writeJSON(w, http.StatusCreated, map[string]any{"data": wh})
}

func cmpWebhook(w lever.Webhook, id string) int { return strings.Compare(w.ID, id) }

func (s *Server) deleteWebhook(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	i, ok := slices.BinarySearchFunc(s.webhooks, r.PathValue("id"), cmpWebhook)
	if ok {
		s.webhooks = slices.Delete(s.webhooks, i, i+1)
	}
	s.mu.Unlock()
	if !ok {
		writeError(w, http.StatusNotFound, "NotFound", "webhook not found")
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
