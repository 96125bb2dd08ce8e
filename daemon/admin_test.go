package daemon_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/leverbright/leverbright/demo"
)

func TestAdmin_RefusesBrowserPages(t *testing.T) {
	env := newTestEnv(t, demo.EnvOptions{Opportunities: 4})
	startDaemon(t, env, true)
	tests := []struct {
		name    string
		path    string
		headers map[string]string
		want    int
	}{
		{"cli", "/admin/deadletters", nil, http.StatusOK},
		{"page with an origin", "/admin/deadletters", map[string]string{"Origin": "http://evil.example"}, http.StatusForbidden},
		{"cross-site fetch", "/admin/deadletters", map[string]string{"Sec-Fetch-Site": "cross-site"}, http.StatusForbidden},
		{"rebound host name", "/admin/backup", map[string]string{"Host": "evil.example:8081"}, http.StatusForbidden},
		{"localhost", "/admin/deadletters", map[string]string{"Host": "localhost:8081"}, http.StatusOK},
		{"status for monitors", "/status", map[string]string{"Host": "monitor.example"}, http.StatusOK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := http.NewRequest(http.MethodGet, env.AdminURL+tt.path, nil)
			if err != nil {
				t.Fatalf("request: %v", err)
			}
			for k, v := range tt.headers {
				if strings.EqualFold(k, "Host") {
					req.Host = v
					continue
				}
				req.Header.Set(k, v)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatalf("get: %v", err)
			}
			resp.Body.Close()
			if resp.StatusCode != tt.want {
				t.Fatalf("%s: got %d, want %d", tt.path, resp.StatusCode, tt.want)
			}
		})
	}
}
