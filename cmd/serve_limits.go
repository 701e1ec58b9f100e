package cmd

import (
	"fmt"
	"io"

	"github.com/spf13/pflag"

	"github.com/imgpar/imgpar/procs"
	"github.com/imgpar/imgpar/procs/httpapi"
)

// serveLimits are the flags of `imgpar serve` that make it safe to expose
// (docs/serve.md, "Running it safely").
type serveLimits struct {
	memLimit     string
	maxNumbers   int
	maxWork      float64
	maxConns     int
	allowHosts   []string
	allowOrigins []string
	token        string
	accessLog    bool
	budget       int64 // from memLimit, set by options
}

func (l *serveLimits) flags(f *pflag.FlagSet) {
	f.StringVar(&l.memLimit, "mem-limit", "", "memory budget of the jobs running at once, e.g. 512MiB (default: as imgpar process, 96MiB per worker thread, at most 3/4 of available memory); a request whose job alone needs more is refused (422)")
	f.IntVar(&l.maxNumbers, "max-numbers", httpapi.DefaultMaxNumbers, "most numbers in a POST /process (413 beyond)")
	f.Float64Var(&l.maxWork, "max-work", httpapi.DefaultMaxWork, "most rounds of exact heavy iteration per request: rounds x negative fractional numbers (422 beyond; -1: no limit)")
	f.IntVar(&l.maxConns, "max-conns", httpapi.DefaultMaxConns, "most open connections; more get 503 with Retry-After")
	f.StringSliceVar(&l.allowHosts, "allow-host", nil, "Host names answered besides the listen address (421 otherwise), e.g. images.example.com; '*' for any")
	f.StringSliceVar(&l.allowOrigins, "allow-origin", nil, "browser origins allowed to send requests (403 otherwise), e.g. https://app.example.com; '*' for any")
	f.StringVar(&l.token, "token", "", "bearer token every request but GET /healthz must carry (Authorization: Bearer TOKEN; 401 otherwise); prefer IMGPAR_TOKEN, which ps does not show")
	f.BoolVar(&l.accessLog, "access-log", false, "log one line per request on stderr: time, request ID, method, path, status, bytes, seconds")
}

// options validates the flags, with threads worker threads in all.
func (l *serveLimits) options(threads int) (serveLimits, error) {
	switch {
	case l.maxNumbers <= 0:
		return *l, fmt.Errorf("--max-numbers %d: must be more than 0", l.maxNumbers)
	case l.maxWork <= 0 && l.maxWork != -1:
		return *l, fmt.Errorf("--max-work %g: must be more than 0, or -1 for no limit", l.maxWork)
	case l.maxConns <= 0:
		return *l, fmt.Errorf("--max-conns %d: must be more than 0", l.maxConns)
	}
	limit, err := memLimitFlag(l.memLimit)
	if err != nil {
		return *l, err
	}
	l.budget = limit
	if limit == 0 {
		l.budget = procs.DefaultMemBudget(threads)
	}
	return *l, nil
}

// apply adds the limits to o.
func (l serveLimits) apply(o httpapi.Options, stderr io.Writer) httpapi.Options {
	o.MemBudget = l.budget
	o.MaxNumbers = l.maxNumbers
	o.MaxWork = l.maxWork
	o.MaxConns = l.maxConns
	o.AllowHosts = l.allowHosts
	o.AllowOrigins = l.allowOrigins
	o.Token = l.token
	if l.accessLog {
		o.AccessLog = stderr
	}
	return o
}
