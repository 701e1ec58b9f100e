package httpapi

import (
	"bytes"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// latencyBuckets are the upper bounds, in seconds, of the request latency
// histogram.
var latencyBuckets = []float64{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60}

// metrics counts requests for GET /metrics (Prometheus text format 0.0.4,
// written by hand).
type metrics struct {
	inFlight atomic.Int64

	mu       sync.Mutex
	requests map[routeCode]uint64
	latency  map[string]*histogram // by route
}

type routeCode struct {
	route string
	code  int
}

type histogram struct {
	counts []uint64 // per bucket, not cumulative; the last is +Inf
	sum    float64
	n      uint64
}

func newMetrics() *metrics {
	return &metrics{requests: map[routeCode]uint64{}, latency: map[string]*histogram{}}
}

func (m *metrics) observe(route string, code int, d time.Duration) {
	sec := d.Seconds()
	m.mu.Lock()
	defer m.mu.Unlock()
	m.requests[routeCode{route, code}]++
	h := m.latency[route]
	if h == nil {
		h = &histogram{counts: make([]uint64, len(latencyBuckets)+1)}
		m.latency[route] = h
	}
	i := sort.SearchFloat64s(latencyBuckets, sec) // first bound >= sec
	h.counts[i]++
	h.sum += sec
	h.n++
}

// serveMetrics answers GET /metrics.
func (s *server) serveMetrics(w http.ResponseWriter, r *http.Request) int {
	var b bytes.Buffer
	m := s.metrics
	m.mu.Lock()
	keys := make([]routeCode, 0, len(m.requests))
	for k := range m.requests {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if keys[i].route != keys[j].route {
			return keys[i].route < keys[j].route
		}
		return keys[i].code < keys[j].code
	})
	header(&b, "imgpar_http_requests_total", "counter", "HTTP requests answered, by route and status code (499: the client went away first).")
	for _, k := range keys {
		fmt.Fprintf(&b, "imgpar_http_requests_total{route=%q,code=\"%d\"} %d\n", k.route, k.code, m.requests[k])
	}
	routes := make([]string, 0, len(m.latency))
	for r := range m.latency {
		routes = append(routes, r)
	}
	sort.Strings(routes)
	header(&b, "imgpar_http_request_duration_seconds", "histogram", "Time from a request's arrival to its answer, by route.")
	for _, r := range routes {
		h := m.latency[r]
		var cum uint64
		for i, le := range latencyBuckets {
			cum += h.counts[i]
			fmt.Fprintf(&b, "imgpar_http_request_duration_seconds_bucket{route=%q,le=%q} %d\n", r, formatFloat(le), cum)
		}
		fmt.Fprintf(&b, "imgpar_http_request_duration_seconds_bucket{route=%q,le=\"+Inf\"} %d\n", r, h.n)
		fmt.Fprintf(&b, "imgpar_http_request_duration_seconds_sum{route=%q} %s\n", r, formatFloat(h.sum))
		fmt.Fprintf(&b, "imgpar_http_request_duration_seconds_count{route=%q} %d\n", r, h.n)
	}
	m.mu.Unlock()

	st := s.pool.Stats()
	gauge := func(name, typ, help string, v int64) {
		header(&b, name, typ, help)
		fmt.Fprintf(&b, "%s %d\n", name, v)
	}
	gauge("imgpar_http_requests_in_flight", "gauge", "HTTP requests being served, this one included.", m.inFlight.Load())
	gauge("imgpar_jobs_in_flight", "gauge", "Jobs sent to workers and not answered yet.", int64(st.InFlight))
	gauge("imgpar_queue_depth", "gauge", "Jobs waiting for a worker.", int64(st.Queued))
	gauge("imgpar_queue_capacity", "gauge", "Jobs that may wait for a worker before requests get 503 (--queue).", int64(s.opts.Queue))
	gauge("imgpar_workers_ready", "gauge", "Worker processes up and taking jobs.", int64(st.Ready))
	gauge("imgpar_workers", "gauge", "Worker processes configured (--procs).", int64(s.opts.Procs))
	gauge("imgpar_worker_restarts_total", "counter", "Worker processes replaced after they died.", int64(st.Restarts))

	w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(b.Len()))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(b.Bytes())
	return http.StatusOK
}

func header(b *bytes.Buffer, name, typ, help string) {
	fmt.Fprintf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, typ)
}

func formatFloat(f float64) string { return strconv.FormatFloat(f, 'g', -1, 64) }
