// Package retention deletes report indices whose whole month is older than
// the retention period. Indices are monthly and named after the reports' own
// dates (<prefix>-<kind>-YYYY.MM), so the agent needs no ISM or ILM plugin:
// it lists the indices of its prefix, keeps every name that is not exactly
// one of its own, and deletes those whose month ended retention days ago.
package retention

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/dmarc-agent/dmarc-agent/mapping"
)

// Cluster is what retention needs from a cluster.
type Cluster interface {
	// Indices returns the names of the indices matching a wildcard pattern.
	Indices(ctx context.Context, pattern string) ([]string, error)
	// DeleteIndex deletes one index by its exact name; a missing index is no error.
	DeleteIndex(ctx context.Context, name string) error
	// DeleteBefore deletes the documents of one index (exact name) whose
	// @timestamp is before t, and returns how many; with dryRun it only
	// counts them. A missing index holds none.
	DeleteBefore(ctx context.Context, index string, t time.Time, dryRun bool) (int64, error)
}

// Policy says which indices to delete.
type Policy struct {
	Prefix string // index prefix; mapping.DefaultPrefix when empty
	Days   int    // a month is deleted once it ended this many days ago; 0 keeps everything
	// DeadLetter is the dead-letter index ("" for none). It is one index,
	// not monthly: its entries are deleted one by one once they were
	// refused Days ago, since they hold whole documents (failure reports
	// carry personal data) that must not outlive the reports' own indices.
	DeadLetter string
}

// Result is what one pass found and did.
type Result struct {
	Deleted []string // deleted, or with DryRun to be deleted, sorted
	Kept    int      // indices of the prefix's report kinds kept
	Cutoff  time.Time
	DryRun  bool
	// DeadLetter is the number of dead-letter entries deleted (or to be).
	DeadLetter int64
	// deadLetterChecked says the dead-letter index was part of the pass.
	deadLetterChecked bool
}

// Lines renders r for a terminal, one line per index, then a summary.
func (r Result) Lines() []string {
	verb, summary := "deleted", "deleted"
	if r.DryRun {
		verb, summary = "would delete", "would be deleted"
	}
	out := make([]string, 0, len(r.Deleted)+1)
	for _, n := range r.Deleted {
		out = append(out, verb+" "+n)
	}
	out = append(out, fmt.Sprintf("%d indices %s, %d kept (months that ended before %s)",
		len(r.Deleted), summary, r.Kept, r.Cutoff.Format(time.DateOnly)))
	if r.deadLetterChecked {
		out = append(out, fmt.Sprintf("%d dead-letter entries %s (refused before %s)", r.DeadLetter, summary, r.Cutoff.Format(time.DateOnly)))
	}
	return out
}

// Cutoff is the instant a month must have ended by to be deleted at now.
func (p Policy) Cutoff(now time.Time) time.Time {
	return now.UTC().AddDate(0, 0, -p.Days)
}

// Expired splits names into the report indices of p to delete at now
// (sorted) and the number of report indices to keep. A name counts only
// when it is exactly <prefix>-<kind>-YYYY.MM for a known kind.
func (p Policy) Expired(names []string, now time.Time) (del []string, kept int) {
	re := p.nameRE()
	cutoff := p.Cutoff(now)
	for _, n := range names {
		m := re.FindStringSubmatch(n)
		if m == nil {
			continue
		}
		y, _ := strconv.Atoi(m[1])
		mo, _ := strconv.Atoi(m[2])
		end := time.Date(y, time.Month(mo)+1, 1, 0, 0, 0, 0, time.UTC)
		if p.Days > 0 && !end.After(cutoff) {
			del = append(del, n)
		} else {
			kept++
		}
	}
	slices.Sort(del)
	return del, kept
}

func (p Policy) prefix() string {
	if p.Prefix == "" {
		return mapping.DefaultPrefix
	}
	return p.Prefix
}

// nameRE matches exactly <prefix>-<kind>-YYYY.MM, capturing year and month.
func (p Policy) nameRE() *regexp.Regexp {
	var kinds []string
	for _, k := range mapping.Kinds() {
		kinds = append(kinds, regexp.QuoteMeta(k.IndexKind()))
	}
	return regexp.MustCompile(`^` + regexp.QuoteMeta(p.prefix()) + `-(?:` + strings.Join(kinds, "|") +
		`)-(\d{4})\.(0[1-9]|1[0-2])$`)
}

// Apply deletes (or with dryRun only lists) the expired report indices of
// p on c. Every index is tried; the errors of those that could not be
// deleted are joined, and Result lists only what was deleted.
func Apply(ctx context.Context, c Cluster, p Policy, now time.Time, dryRun bool, logger *slog.Logger) (Result, error) {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	res := Result{Cutoff: p.Cutoff(now), DryRun: dryRun}
	var names []string
	for _, k := range mapping.Kinds() {
		n, err := c.Indices(ctx, mapping.IndexPattern(p.prefix(), k))
		if err != nil {
			return res, fmt.Errorf("listing %s indices: %w", k.IndexKind(), err)
		}
		names = append(names, n...)
	}
	del, kept := p.Expired(names, now)
	res.Kept = kept
	var errs []error
	if p.DeadLetter != "" && p.Days > 0 {
		n, err := c.DeleteBefore(ctx, p.DeadLetter, res.Cutoff, dryRun)
		if err != nil {
			errs = append(errs, fmt.Errorf("dead-letter entries of %s: %w", p.DeadLetter, err))
		} else {
			res.DeadLetter, res.deadLetterChecked = n, true
			if n > 0 && !dryRun {
				logger.Info("retention: dead-letter entries deleted", "index", p.DeadLetter, "entries", n, "days", p.Days)
			}
		}
	}
	if dryRun {
		res.Deleted = del
		return res, errors.Join(errs...)
	}
	for _, n := range del {
		if err := c.DeleteIndex(ctx, n); err != nil {
			errs = append(errs, fmt.Errorf("deleting index %s: %w", n, err))
			res.Kept++
			continue
		}
		logger.Info("retention: index deleted", "index", n, "days", p.Days)
		res.Deleted = append(res.Deleted, n)
	}
	return res, errors.Join(errs...)
}
