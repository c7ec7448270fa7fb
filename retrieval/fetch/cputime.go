package fetch

import (
	"context"
	"time"
)

// A parse is bounded by the processor time it uses, not by the clock. On a busy machine a parser
// process waits for a processor, sometimes ten times longer than it computes, and a healthy
// document must not be refused for that; a document built to stall a reader still uses up its
// processor time, only later on the clock. The clock ends only a parser process that makes no
// progress at all (see isolator.wall).

// withCPUDeadline returns a context that ends with cause once this process has used d of
// processor time from now, or when ctx ends. Call cancel when the work is done.
func withCPUDeadline(ctx context.Context, d time.Duration, cause error) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancelCause(ctx)
	end := processCPU() + d
	tick := time.NewTicker(min(max(d/50, time.Millisecond), 50*time.Millisecond))
	go func() {
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
				if processCPU() >= end {
					cancel(cause)
					return
				}
			}
		}
	}()
	return ctx, func() { cancel(context.Canceled) }
}
