package cli

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/dmarc-agent/dmarc-agent/internal/config"
	"github.com/dmarc-agent/dmarc-agent/output/opensearch"
	"github.com/dmarc-agent/dmarc-agent/retention"
)

// retentionInterval is how often `run` deletes expired indices.
const retentionInterval = 24 * time.Hour

// startClusterChecks, while the agent runs, asks the cluster which engine it
// is (logged once and exported by the output) and, unless once, runs the
// retention check at once and then daily. The returned function stops them
// and waits. Where the cluster's ISM or ILM policy deletes old indices
// (retention_by: cluster), each check only confirms that.
func startClusterChecks(ctx context.Context, cfg config.Config, out *opensearch.Output, once bool, logger *slog.Logger) (stop func()) {
	if out == nil {
		return func() {}
	}
	days := cfg.Output.OpenSearch.RetentionDays
	log := logger.With("component", "retention")
	policy := retention.Policy{Prefix: cfg.Index.Prefix, Days: days, DeadLetter: opensearch.DeadLetterIndex(cfg.Index.Prefix)}
	var said string // what was last logged about who deletes, to say it once
	say := func(s string, args ...any) {
		if s != said {
			said = s
			log.Info(s, args...)
		}
	}
	check := func(ctx context.Context) {
		agent, err := out.AgentRetention(ctx)
		if err != nil {
			log.Warn("retention check failed; next one in a day", "err", err)
			return
		}
		if !agent {
			say("retention: the cluster's ISM/ILM policy deletes old indices", "days", days)
			return
		}
		say("retention: the agent deletes indices whose month ended retention_days ago, checking daily", "days", days)
		res, err := retention.Apply(ctx, out, policy, time.Now(), false, log)
		if err != nil {
			log.Warn("retention check failed; next one in a day", "deleted", len(res.Deleted), "err", err)
			return
		}
		log.Debug("retention check done", "deleted", len(res.Deleted), "kept", res.Kept)
	}
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Go(func() {
		if _, err := out.Engine(ctx); err != nil {
			logger.Warn("cannot tell which engine the cluster runs yet", "component", "opensearch", "err", err)
		}
		if once || days == 0 {
			return
		}
		retention.Every(ctx, retentionInterval, check)
	})
	return func() { cancel(); wg.Wait() }
}
