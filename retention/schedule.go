package retention

import (
	"context"
	"time"
)

// Every calls check at once and then every interval until ctx ends. check
// handles its own errors: a failed pass waits for the next one.
func Every(ctx context.Context, interval time.Duration, check func(context.Context)) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		check(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
