package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/newsbot/newsbot/bot"
	"github.com/newsbot/newsbot/bot/discord"
	"github.com/newsbot/newsbot/bot/metrics"
)

// How the model is checked for /readyz: a one-token request at most once
// a minute, however often the probe comes, each bounded by a few seconds
// and sent once (no retries: a probe wants the state now).
const (
	modelCheckEvery   = time.Minute
	modelCheckTimeout = 5 * time.Second
)

// readiness is what serve has brought up so far, for /readyz.
type readiness struct {
	core    atomic.Pointer[bot.Bot]     // set once the library is open
	discord atomic.Pointer[discord.Bot] // set once the adapter exists
}

// startHTTP starts serving /healthz, /readyz and /metrics on
// NEWSBOT_HTTP_ADDR, with the metrics recorded on a registry of this
// process's own (never Prometheus's global one): the core, the adapter and
// the embeddings client report to e.metrics from here on. It returns the
// readiness to fill in as serve comes up, and stop, which shuts the server
// down. With no address it serves nothing and returns nil, a no-op stop.
func (e *env) startHTTP() (*readiness, func(), error) {
	if e.cfg.HTTPAddr == "" {
		return nil, func() {}, nil
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	e.metrics = metrics.New(reg)
	ready := &readiness{}
	metrics.RegisterLibrary(reg, func() map[string]bot.LibrarySize {
		if core := ready.core.Load(); core != nil {
			return core.LibrarySizes()
		}
		return nil
	})
	ln, err := net.Listen("tcp", e.cfg.HTTPAddr)
	if err != nil {
		return nil, nil, fmt.Errorf("NEWSBOT_HTTP_ADDR: cannot listen on %s: %w", e.cfg.HTTPAddr, errors.Unwrap(err))
	}
	srv := &http.Server{Handler: metrics.Handler(reg, e.readyChecks(ready)...), ReadHeaderTimeout: 5 * time.Second}
	go srv.Serve(ln)
	e.logger.Info("serving health and metrics", "addr", ln.Addr().String(), "paths", "/healthz /readyz /metrics")
	stop := func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
	}
	return ready, stop, nil
}

// readyChecks are the conditions of /readyz: the library is open (and its
// database answers), the Discord gateway is connected, and a configured
// chat model answers.
func (e *env) readyChecks(ready *readiness) []metrics.Check {
	checks := []metrics.Check{
		{Name: "library", Run: func(ctx context.Context) error {
			if ready.core.Load() == nil {
				return errors.New("not open yet")
			}
			if e.library != nil {
				if err := e.library.Pool().Ping(ctx); err != nil {
					return fmt.Errorf("the database does not answer: %w", err)
				}
			}
			return nil
		}},
		{Name: "discord", Run: func(context.Context) error {
			if d := ready.discord.Load(); d == nil || !d.Connected() {
				return errors.New("gateway not connected")
			}
			return nil
		}},
	}
	// The probe's model is its own, without retries; Ping reports to no
	// Observer: a health check is no answer, its failures no model errors.
	if model := e.chatModelOver(http.DefaultTransport); model != nil {
		base := cmp.Or(e.cfg.OpenAIBaseURL, "https://api.openai.com/v1")
		ping := func(ctx context.Context) error {
			if _, err := model.Ping(ctx); err != nil {
				return fmt.Errorf("%s at %s", bot.Reason(err), base)
			}
			return nil
		}
		checks = append(checks, metrics.Check{Name: "model", Run: metrics.Cached(modelCheckEvery, modelCheckTimeout, ping)})
	}
	return checks
}
