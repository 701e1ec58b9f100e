package httpapi

import (
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

func TestHostGuard(t *testing.T) {
	loop := &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 3000}
	every := &net.TCPAddr{IP: net.IPv4zero, Port: 3000}
	for _, tc := range []struct {
		bound net.Addr
		allow []string
		host  string
		want  bool
	}{
		{loop, nil, "127.0.0.1:3000", true},
		{loop, nil, "127.0.0.1", true},
		{loop, nil, "localhost:3000", true},
		{loop, nil, "LOCALHOST:3000", true},
		{loop, nil, "evil.example:3000", false}, // DNS rebinding
		{loop, nil, "127.0.0.2:3000", false},
		{loop, nil, "", false},
		{loop, []string{"images.example.com"}, "images.example.com", true},
		{loop, []string{"images.example.com:443"}, "images.example.com:8443", true},
		{loop, []string{"images.example.com"}, "evil.example", false},
		{loop, []string{"*"}, "evil.example", true},
		{every, nil, "10.1.2.3:3000", true},
		{every, nil, "[::1]:3000", true},
		{every, nil, "localhost:3000", false},
		{every, nil, "evil.example", false},
	} {
		if got := newHostGuard(tc.bound, tc.allow).allowed(tc.host); got != tc.want {
			t.Errorf("bound %v, --allow-host %v, Host %q: allowed %v, want %v", tc.bound, tc.allow, tc.host, got, tc.want)
		}
	}
}

func TestOriginAllowed(t *testing.T) {
	for _, tc := range []struct {
		origin, host string
		allow        []string
		want         bool
	}{
		{"", "127.0.0.1:3000", nil, true},
		{"http://127.0.0.1:3000", "127.0.0.1:3000", nil, true},
		{"http://evil.example", "127.0.0.1:3000", nil, false},
		{"null", "127.0.0.1:3000", nil, false}, // sandboxed frames, file: pages
		{"https://app.example.com", "127.0.0.1:3000", []string{"https://app.example.com/"}, true},
		{"https://app.example.com.evil", "127.0.0.1:3000", []string{"https://app.example.com"}, false},
		{"http://evil.example", "127.0.0.1:3000", []string{"*"}, true},
	} {
		if got := originAllowed(tc.origin, tc.host, tc.allow); got != tc.want {
			t.Errorf("Origin %q, Host %q, --allow-origin %v: %v, want %v", tc.origin, tc.host, tc.allow, got, tc.want)
		}
	}
}

func TestTokenOK(t *testing.T) {
	for _, tc := range []struct {
		token, header string
		want          bool
	}{
		{"", "", true},
		{"s3cret", "", false},
		{"s3cret", "Bearer s3cret", true},
		{"s3cret", "Bearer s3cre", false},
		{"s3cret", "Basic s3cret", false},
		{"s3cret", "s3cret", false},
	} {
		r := httptest.NewRequest(http.MethodGet, "/metrics", nil)
		if tc.header != "" {
			r.Header.Set("Authorization", tc.header)
		}
		if got := tokenOK(r, tc.token); got != tc.want {
			t.Errorf("token %q, Authorization %q: %v, want %v", tc.token, tc.header, got, tc.want)
		}
	}
}

func TestRequestID(t *testing.T) {
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	r.Header.Set("X-Request-ID", "abc-123")
	if id := requestID(r); id != "abc-123" {
		t.Errorf("echoed %q", id)
	}
	for _, bad := range []string{"has space", `quo"te`, strings.Repeat("x", 129)} {
		r.Header.Set("X-Request-ID", bad)
		if id := requestID(r); id == bad || len(id) != 16 {
			t.Errorf("X-Request-ID %q: got %q, want a new 16-hex-digit ID", bad, id)
		}
	}
}

func TestRepeatedParam(t *testing.T) {
	q, _ := url.ParseQuery("width=1&format=png&width=2")
	if k := repeatedParam(q); k != "width" {
		t.Errorf("repeated %q, want width", k)
	}
	q, _ = url.ParseQuery("width=1&format=png")
	if k := repeatedParam(q); k != "" {
		t.Errorf("repeated %q, want none", k)
	}
}

// A handler that returns without answering gets a 500 (and a log line),
// or 499 for a client that left, never net/http's empty 200.
func TestEnsureAnswered(t *testing.T) {
	var log syncBuffer
	s := &server{opts: Options{Stderr: &log}}
	r := httptest.NewRequest(http.MethodPost, "/upload", nil)
	for _, tc := range []struct {
		returned, want int
	}{{0, 500}, {200, 500}, {statusClientClosed, statusClientClosed}} {
		rec := httptest.NewRecorder()
		w := &recorder{ResponseWriter: rec}
		w.Header().Set("X-Request-ID", "rid1")
		if got := s.ensureAnswered(w, r, tc.returned); got != tc.want || rec.Code != tc.want {
			t.Errorf("handler returned %d unanswered: recorded %d, sent %d; want %d", tc.returned, got, rec.Code, tc.want)
		}
		if !strings.Contains(rec.Body.String(), `"request_id":"rid1"`) {
			t.Errorf("answer %s has no request ID", rec.Body.String())
		}
	}
	if !strings.Contains(log.String(), "request rid1: POST /upload ended without an answer") {
		t.Errorf("log: %q", log.String())
	}
	// An answered request is left alone.
	rec := httptest.NewRecorder()
	w := &recorder{ResponseWriter: rec}
	w.WriteHeader(http.StatusTeapot)
	if got := s.ensureAnswered(w, r, http.StatusTeapot); got != http.StatusTeapot || rec.Body.Len() != 0 {
		t.Errorf("answered request: %d, body %q", got, rec.Body.String())
	}
}

func TestRemoveStaleUploadDirs(t *testing.T) {
	root := t.TempDir()
	// A pid that was alive a moment ago and is now gone.
	cmd := exec.Command("true")
	if err := cmd.Run(); err != nil {
		t.Skip("no true command:", err)
	}
	dead := cmd.Process.Pid
	stale := filepath.Join(root, uploadDirPrefix+strconv.Itoa(dead)+"-123")
	live := filepath.Join(root, uploadDirPrefix+strconv.Itoa(os.Getpid())+"-456")
	other := filepath.Join(root, uploadDirPrefix+"notapid")
	for _, d := range []string{stale, live, other} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(d, "1.in"), []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	dir, removed, err := makeUploadDir(root)
	if err != nil {
		t.Fatal(err)
	}
	if len(removed) != 1 || removed[0] != stale {
		t.Errorf("removed %v, want only %s", removed, stale)
	}
	for _, d := range []string{live, other, dir} {
		if _, err := os.Stat(d); err != nil {
			t.Errorf("%s: %v, want it kept", d, err)
		}
	}
	if !strings.HasPrefix(filepath.Base(dir), uploadDirPrefix+strconv.Itoa(os.Getpid())+"-") {
		t.Errorf("upload dir %s does not carry the server's pid", dir)
	}
}
