package metrics

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Check is one condition of readiness: nil when it holds, else an error
// that says in a few words what is missing ("not connected").
type Check struct {
	Name string // "discord", "library", "model"
	Run  func(ctx context.Context) error
}

// checkTimeout bounds one /readyz: a probe that hangs is a probe that fails.
const checkTimeout = 10 * time.Second

// Handler serves the operator's endpoints:
//
//	/healthz  200 "ok" while the process can answer HTTP at all
//	/readyz   200 "ready" when every check holds, else 503 and one line
//	          per failed check ("discord: not connected")
//	/metrics  the series gathered from g, in Prometheus's text format
func Handler(g prometheus.Gatherer, checks ...Check) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fmt.Fprintln(w, "ok")
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), checkTimeout)
		defer cancel()
		var failed []string
		for _, c := range checks {
			if err := c.Run(ctx); err != nil {
				failed = append(failed, c.Name+": "+oneLine(err.Error()))
			}
		}
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		if len(failed) > 0 {
			w.WriteHeader(http.StatusServiceUnavailable)
			fmt.Fprintln(w, strings.Join(failed, "\n"))
			return
		}
		fmt.Fprintln(w, "ready")
	})
	mux.Handle("GET /metrics", promhttp.HandlerFor(g, promhttp.HandlerOpts{}))
	return mux
}

// oneLine keeps a reason short and on one line.
func oneLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > 200 {
		s = string(r[:199]) + "…"
	}
	return s
}

// Cached runs check at most once per ttl and answers from its last result
// in between, so a probe every few seconds does not become a request to
// the model every few seconds. Probes that arrive while the check runs
// wait for its result; the check runs under its own timeout, not the
// probe's, so one impatient probe does not poison the cache.
func Cached(ttl, timeout time.Duration, check func(ctx context.Context) error) func(ctx context.Context) error {
	c := &cached{ttl: ttl, timeout: timeout, check: check}
	return c.run
}

type cached struct {
	ttl, timeout time.Duration
	check        func(ctx context.Context) error

	mu   sync.Mutex // held while the check runs
	at   time.Time  // when the last result came; zero: never
	last error
}

func (c *cached) run(ctx context.Context) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.at.IsZero() && time.Since(c.at) < c.ttl {
		return c.last
	}
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), c.timeout)
	defer cancel()
	c.last, c.at = c.check(cctx), time.Now()
	return c.last
}
