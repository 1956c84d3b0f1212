package opensearch

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"
)

// process sends one batch and retries what is left of it until every
// document is indexed, found to be a duplicate, refused for good, or given up
// on (retry budget spent, its Write's context ended, or the output closed).
func (o *Output) process(b *batch) {
	start := time.Now()
	bo := newBackoff(o.cfg.Retry)
	pending := b.items
	for attempt := 0; ; attempt++ {
		pending = o.dropCancelled(pending)
		if len(pending) == 0 {
			return
		}
		var err error
		pending, err = o.attempt(pending)
		if len(pending) == 0 {
			return
		}
		wait := bo.next()
		if max := o.cfg.Retry.MaxElapsed; max > 0 && time.Since(start)+wait > max {
			o.giveUp(pending, fmt.Errorf("giving up on %d documents after %d attempts over %s: %w",
				len(pending), attempt+1, time.Since(start).Round(time.Millisecond), err))
			return
		}
		o.metrics.retries.Inc()
		o.logger.Warn("bulk request will be retried", "documents", len(pending), "attempt", attempt+1, "wait", wait.Round(time.Millisecond), "err", err)
		t := time.NewTimer(wait)
		select {
		case <-t.C:
		case <-o.life.Done():
			t.Stop()
			o.giveUp(pending, fmt.Errorf("output closed with %d documents unwritten: %w", len(pending), err))
			return
		}
	}
}

// dropCancelled gives up on the items whose Write has ended.
func (o *Output) dropCancelled(items []*item) []*item {
	kept := items[:0]
	for _, it := range items {
		if err := it.call.ctx.Err(); err != nil {
			o.metrics.docs.WithLabelValues("abandoned").Inc()
			it.call.resolve(it, outFailed, "", err)
			continue
		}
		kept = append(kept, it)
	}
	return kept
}

func (o *Output) giveUp(items []*item, err error) {
	o.logger.Error("bulk documents not written", "documents", len(items), "err", err)
	o.metrics.docs.WithLabelValues("abandoned").Add(float64(len(items)))
	for _, it := range items {
		it.call.resolve(it, outFailed, "", err)
	}
}

// bulkPath asks for only what parseBulk reads: the cluster then writes
// about 25 bytes per item instead of about 200 (index, id, version, shards,
// sequence numbers), and we parse as little.
const bulkPath = "/_bulk?filter_path=errors,items.*.status,items.*.error"

// attempt sends items once and returns those to retry, with the reason.
func (o *Output) attempt(items []*item) ([]*item, error) {
	if err := o.EnsureTemplates(o.life); err != nil {
		return items, err
	}
	var buf bytes.Buffer
	size := 0
	for _, it := range items {
		size += it.size
	}
	buf.Grow(size)
	for _, it := range items {
		appendBulk(&buf, o.action, it)
	}
	ctx, cancel := context.WithTimeout(o.life, attemptTimeout)
	defer cancel()
	t0 := time.Now()
	res, err := o.do(ctx, http.MethodPost, bulkPath, buf.Bytes())
	o.metrics.latency.Observe(time.Since(t0).Seconds())
	if err != nil {
		o.metrics.requests.WithLabelValues("error").Inc()
		return items, err
	}
	o.metrics.requests.WithLabelValues(strconv.Itoa(res.status)).Inc()
	switch {
	case retryableStatus(res.status):
		return items, errors.New("bulk request: " + res.errorText())
	case res.status < 200 || res.status > 299:
		// The request as a whole was refused (credentials, permissions,
		// size): no document is at fault and none may be acknowledged.
		o.giveUp(items, fmt.Errorf("bulk request refused: %s", res.errorText()))
		return nil, nil
	}
	statuses, reasons, err := parseBulk(res.body, len(items))
	if err != nil {
		return items, err
	}
	if statuses == nil {
		o.metrics.docs.WithLabelValues("indexed").Add(float64(len(items)))
		for _, it := range items {
			it.call.resolve(it, outIndexed, "", nil)
		}
		return nil, nil
	}
	retry := items[:0:0]
	var firstRetry string
	for i, it := range items {
		switch oc := itemOutcome(statuses[i]); oc {
		case outRetry:
			if firstRetry == "" {
				firstRetry = fmt.Sprintf("HTTP %d: %s", statuses[i], reasons[i])
			}
			retry = append(retry, it)
		case outIndexed:
			o.metrics.docs.WithLabelValues("indexed").Inc()
			it.call.resolve(it, oc, "", nil)
		case outDuplicate:
			o.metrics.docs.WithLabelValues("duplicate").Inc()
			it.call.resolve(it, oc, "", nil)
		default:
			o.metrics.docs.WithLabelValues("failed").Inc()
			it.call.resolve(it, oc, fmt.Sprintf("HTTP %d: %s", statuses[i], reasons[i]), nil)
		}
	}
	if len(retry) > 0 {
		return retry, fmt.Errorf("%d of %d documents refused for now, e.g. %s", len(retry), len(items), firstRetry)
	}
	return nil, nil
}
