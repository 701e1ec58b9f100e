package httpapi

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// recorder is the ResponseWriter the handlers get: it remembers whether a
// status was written, so that no request ends with net/http's implicit
// empty 200.
type recorder struct {
	http.ResponseWriter
	wrote  bool
	status int
	bytes  int64
}

func (r *recorder) WriteHeader(status int) {
	if !r.wrote {
		r.wrote, r.status = true, status
	}
	r.ResponseWriter.WriteHeader(status)
}

func (r *recorder) Write(b []byte) (int, error) {
	if !r.wrote {
		r.WriteHeader(http.StatusOK)
	}
	n, err := r.ResponseWriter.Write(b)
	r.bytes += int64(n)
	return n, err
}

// Unwrap lets http.ResponseController reach the connection.
func (r *recorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// requestID returns the client's X-Request-ID when it is a short token
// that is safe to echo, or a new random one.
func requestID(r *http.Request) string {
	if id := r.Header.Get("X-Request-ID"); id != "" && len(id) <= 128 {
		ok := true
		for _, c := range id {
			if c < '!' || c > '~' || c == '"' || c == '\\' {
				ok = false
				break
			}
		}
		if ok {
			return id
		}
	}
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// hostGuard decides which Host headers are answered: a DNS-rebinding page
// reaches a loopback server under a name of the attacker's (Host:
// evil.example), never under an IP address or "localhost".
type hostGuard struct {
	any   bool            // --allow-host '*'
	names map[string]bool // lower-case host names (no port)
	ips   map[string]bool // the bound address, or nil when bound to every interface
}

func newHostGuard(bound net.Addr, allow []string) hostGuard {
	g := hostGuard{names: map[string]bool{}}
	for _, h := range allow {
		h = strings.ToLower(strings.TrimSpace(h))
		if h == "*" {
			g.any = true
		}
		if host, _, err := net.SplitHostPort(h); err == nil {
			h = host
		}
		g.names[strings.Trim(h, "[]")] = true
	}
	if ta, ok := bound.(*net.TCPAddr); ok && !ta.IP.IsUnspecified() {
		g.ips = map[string]bool{ta.IP.String(): true}
		if ta.IP.IsLoopback() {
			g.names["localhost"] = true
		}
	}
	return g
}

// allowed reports whether a request with this Host header is answered: the
// bound address (any IP address when bound to every interface),
// "localhost" on loopback, or a name of --allow-host.
func (g hostGuard) allowed(hostHeader string) bool {
	if g.any {
		return true
	}
	h := strings.ToLower(hostHeader)
	if host, _, err := net.SplitHostPort(h); err == nil {
		h = host
	}
	h = strings.Trim(h, "[]")
	if g.names[h] {
		return true
	}
	ip := net.ParseIP(h)
	if ip == nil {
		return false
	}
	return g.ips == nil || g.ips[ip.String()]
}

// originAllowed reports whether a request with this Origin header is
// answered: none (not a browser, or a same-origin GET), the server's own
// origin, or one of --allow-origin ('*' for any). Browsers send Origin with
// every cross-origin POST, including the multipart forms they send without
// a CORS preflight.
func originAllowed(origin, host string, allow []string) bool {
	if origin == "" {
		return true
	}
	o := strings.ToLower(strings.TrimRight(origin, "/"))
	if o == "http://"+strings.ToLower(host) {
		return true
	}
	for _, a := range allow {
		a = strings.ToLower(strings.TrimRight(strings.TrimSpace(a), "/"))
		if a == "*" || a == o {
			return true
		}
	}
	return false
}

// tokenOK reports whether r carries the bearer token (always, without one).
func tokenOK(r *http.Request, token string) bool {
	if token == "" {
		return true
	}
	got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	return ok && subtle.ConstantTimeCompare([]byte(strings.TrimSpace(got)), []byte(token)) == 1
}

// repeatedParam returns the first query parameter given more than once.
func repeatedParam(q url.Values) string {
	keys := make([]string, 0, len(q))
	for k, v := range q {
		if len(v) > 1 {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	if len(keys) > 0 {
		return keys[0]
	}
	return ""
}

// connLimit is a listener that holds at most max connections: past it, a
// new connection gets a 503 with Retry-After and is closed, instead of
// waiting unseen in the accept queue.
type connLimit struct {
	net.Listener
	max    int64
	open   atomic.Int64
	turned atomic.Int64 // connections turned away
}

func (l *connLimit) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		if l.open.Add(1) > l.max {
			l.open.Add(-1)
			l.turned.Add(1)
			go refuseConn(c, l.max)
			continue
		}
		return &limitedConn{Conn: c, l: l}, nil
	}
}

// refuseConn answers a connection over the cap without reading its request.
func refuseConn(c net.Conn, limit int64) {
	defer c.Close()
	body := fmt.Sprintf(`{"error":"busy: %d connections already open (--max-conns); retry later"}`+"\n", limit)
	_ = c.SetDeadline(time.Now().Add(2 * time.Second))
	fmt.Fprintf(c, "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nRetry-After: %s\r\nConnection: close\r\nContent-Length: %d\r\n\r\n%s", retryAfter, len(body), body)
}

type limitedConn struct {
	net.Conn
	l    *connLimit
	once sync.Once
}

func (c *limitedConn) Close() error {
	c.once.Do(func() { c.l.open.Add(-1) })
	return c.Conn.Close()
}

// uploadDirPrefix names the private upload directories: the server's pid
// follows, so that a later server can tell a dead one's directory.
const uploadDirPrefix = "imgpar-serve-"

// makeUploadDir creates this server's upload directory (mode 0700) under
// root, after removing those that servers killed outright left behind.
func makeUploadDir(root string) (string, []string, error) {
	removed := removeStaleUploadDirs(root)
	dir, err := os.MkdirTemp(root, fmt.Sprintf("%s%d-*", uploadDirPrefix, os.Getpid()))
	return dir, removed, err
}

// removeStaleUploadDirs removes root's upload directories of servers that
// are no longer running (their pid is gone), and returns them.
func removeStaleUploadDirs(root string) []string {
	dirs, _ := filepath.Glob(filepath.Join(root, uploadDirPrefix+"*"))
	var removed []string
	for _, d := range dirs {
		rest := strings.TrimPrefix(filepath.Base(d), uploadDirPrefix)
		pidText, _, ok := strings.Cut(rest, "-")
		pid, err := strconv.Atoi(pidText)
		if !ok || err != nil || pid <= 0 || !ownedByUs(d) || processAlive(pid) {
			continue
		}
		if os.RemoveAll(d) == nil {
			removed = append(removed, d)
		}
	}
	return removed
}
