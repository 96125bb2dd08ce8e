package main

import "testing"

func TestAdminBase(t *testing.T) {
	tests := []struct{ addr, want string }{
		{"127.0.0.1:8081", "http://127.0.0.1:8081"},
		{"0.0.0.0:9000", "http://127.0.0.1:9000"},
		{":9000", "http://127.0.0.1:9000"},
		{"localhost:9000", "http://localhost:9000"},
		{"[::1]:9000", "http://[::1]:9000"},
		{"[::]:9000", "http://[::1]:9000"},
		{"not an address", "http://127.0.0.1:8081"},
	}
	for _, tt := range tests {
		if got := adminBase(tt.addr); got != tt.want {
			t.Fatalf("adminBase(%q): got %q, want %q", tt.addr, got, tt.want)
		}
	}
}
