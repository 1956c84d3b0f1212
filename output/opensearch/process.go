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

// process sends one batch once. Every document ends indexed, a duplicate,
// refused (and then queued for the dead-letter index), given up on, or
// handed back to the batcher to be sent again after its backoff, merged
// with other documents into full requests. The worker is free at once: a
// batch in backoff holds no worker.
func (o *Output) process(b *batch) {
	items := o.dropCancelled(b.items)
	if len(items) == 0 {
		o.box.put(nil)
		return
	}
	now := time.Now()
	for _, it := range items {
		if it.attempts == 0 {
			it.first = now
		}
		it.attempts++
	}
	retry, label, err := o.attempt(items)
	if len(retry) == 0 {
		o.faults.ok()
		o.box.put(nil)
		return
	}
	o.metrics.retries.Inc()
	o.metrics.retried.WithLabelValues(label).Add(float64(len(retry)))
	o.faults.fault(label, err, len(retry))
	// The backoff grows only while the cluster takes nothing: an attempt
	// that wrote some of its documents (a shard's queue full, 429 for a
	// share of the items) sends the rest again after the initial interval;
	// one that wrote none (node down, request refused, index blocked)
	// doubles the wait of its documents. One jitter for the whole lot, so
	// that documents at the same level come back together, to be merged
	// with whatever else is waiting.
	progress := len(retry) < len(items)
	jitter := newJitter()
	var parked, expired []*item
	for _, it := range retry {
		if progress {
			it.stalls = 0
		} else {
			it.stalls++
		}
		wait := backoffWait(o.cfg.Retry, it.stalls, jitter)
		if max := o.cfg.Retry.MaxElapsed; max > 0 && now.Sub(it.first)+wait > max {
			expired = append(expired, it)
			continue
		}
		it.due = now.Add(wait)
		if !it.retrying {
			it.retrying = true
			o.metrics.retrying.Inc()
			o.retryingN.Add(1)
		}
		parked = append(parked, it)
	}
	if len(expired) > 0 {
		o.giveUp(expired, fmt.Errorf("giving up on %d documents after %d attempts over %s: %w",
			len(expired), expired[0].attempts, now.Sub(expired[0].first).Round(time.Millisecond), err))
	}
	o.logger.Debug("bulk documents will be retried", "documents", len(parked), "reason", label, "err", err)
	o.box.put(parked)
}

// finish resolves one document and keeps the metrics.
func (o *Output) finish(it *item, oc outcome, err error) {
	if it.retrying {
		it.retrying = false
		o.metrics.retrying.Dec()
		if o.retryingN.Add(-1) == 0 && err == nil {
			o.faults.ok() // before the Write can return
		}
	}
	switch {
	case err != nil:
		o.metrics.docs.WithLabelValues("abandoned").Inc()
	case it.refusal != nil:
		o.metrics.docs.WithLabelValues("failed").Inc()
	case oc == outIndexed:
		o.metrics.docs.WithLabelValues("indexed").Inc()
	case oc == outDuplicate:
		o.metrics.docs.WithLabelValues("duplicate").Inc()
	}
	it.call.resolve(it, oc, err)
}

// dropCancelled gives up on the items whose Write has ended.
func (o *Output) dropCancelled(items []*item) []*item {
	kept := items[:0]
	for _, it := range items {
		if err := it.call.ctx.Err(); err != nil {
			o.finish(it, outRetry, err)
			continue
		}
		kept = append(kept, it)
	}
	return kept
}

func (o *Output) giveUp(items []*item, err error) {
	o.logger.Error("bulk documents not written", "documents", len(items), "err", err)
	for _, it := range items {
		o.finish(it, outRetry, err)
	}
}

// bulkPath asks for only what parseBulk reads: the cluster then writes
// about 25 bytes per item instead of about 200 (index, id, version, shards,
// sequence numbers), and we parse as little.
const bulkPath = "/_bulk?filter_path=errors,items.*.status,items.*.error"

// attempt sends items once and returns those to send again, with the kind
// of fault (a metric label) and its description.
func (o *Output) attempt(items []*item) (retry []*item, label string, err error) {
	if err := o.EnsureTemplates(o.life); err != nil {
		return items, "no_answer", err
	}
	var buf bytes.Buffer
	size := 0
	for _, it := range items {
		size += it.size
	}
	buf.Grow(size)
	for _, it := range items {
		appendBulk(&buf, o.actionFor(it), it)
	}
	ctx, cancel := context.WithTimeout(o.life, attemptTimeout)
	defer cancel()
	t0 := time.Now()
	res, err := o.do(ctx, http.MethodPost, bulkPath, buf.Bytes())
	o.metrics.latency.Observe(time.Since(t0).Seconds())
	if err != nil {
		o.metrics.requests.WithLabelValues("error").Inc()
		return items, "no_answer", err
	}
	o.metrics.requests.WithLabelValues(strconv.Itoa(res.status)).Inc()
	if res.status == http.StatusRequestEntityTooLarge && len(items) > 1 {
		return o.split(items, buf.Len())
	}
	if res.status < 200 || res.status > 299 {
		switch oc, label := classify("", res.status, requestError(res.body)); oc {
		case outRetry:
			return items, label, errors.New("bulk request: " + res.errorText())
		default:
			// The request as a whole was refused (credentials,
			// permissions, size): no document is at fault and none may
			// be acknowledged.
			o.giveUp(items, fmt.Errorf("bulk request refused: %s", res.errorText()))
			return nil, "", nil
		}
	}
	results, err := parseBulk(res.body, len(items))
	if err != nil {
		return items, "bad_answer", err
	}
	if results == nil {
		for _, it := range items {
			o.finish(it, outIndexed, nil)
		}
		return nil, "", nil
	}
	var refused, forbidden []*item
	var first, forbiddenWhy string
	for i, it := range items {
		r := results[i]
		oc, l := classify(o.actionFor(it), r.status, r.errType())
		switch oc {
		case outRetry:
			if first == "" {
				first, label = r.reason(), l
			}
			retry = append(retry, it)
		case outRefused:
			if it.refusal != nil { // the dead-letter index itself refuses
				forbidden, forbiddenWhy = append(forbidden, it), "dead-letter index: "+r.reason()
				continue
			}
			o.toDeadLetter(it, r.reason(), r.status, r.errType())
			refused = append(refused, it)
		case outGiveUp:
			forbidden, forbiddenWhy = append(forbidden, it), r.reason()
		default:
			o.finish(it, oc, nil)
		}
	}
	if len(forbidden) > 0 {
		o.giveUp(forbidden, errors.New("documents refused: "+forbiddenWhy))
	}
	if len(refused) > 0 {
		o.box.deadLetter(refused)
	}
	if len(retry) > 0 {
		return retry, label, fmt.Errorf("%d of %d documents refused for now, e.g. %s", len(retry), len(items), first)
	}
	return nil, "", nil
}

// split answers a 413 (request entity too large, from the cluster's
// http.max_content_length or a proxy's body limit such as nginx's 1 MiB
// client_max_body_size): the documents are not at fault, the request's
// size is. It lowers the body size of every later request below the
// refused one and sends the items again at once, in two halves (each
// split again on a further 413). Only a single document refused as too
// large is given up on, and stays unacknowledged.
func (o *Output) split(items []*item, refused int) (retry []*item, label string, err error) {
	o.lowerBodyCap(refused / 2)
	half := len(items) / 2
	r1, l1, e1 := o.attempt(items[:half])
	r2, l2, e2 := o.attempt(items[half:])
	retry = append(append([]*item(nil), r1...), r2...) // r1 may alias items: copy
	label, err = l1, e1
	if err == nil {
		label, err = l2, e2
	}
	return retry, label, err
}

// lowerBodyCap records that bulk bodies must stay below n bytes.
func (o *Output) lowerBodyCap(n int) {
	n = max(n, 1)
	for {
		cur := o.bodyCap.Load()
		if cur != 0 && cur <= int64(n) {
			return
		}
		if o.bodyCap.CompareAndSwap(cur, int64(n)) {
			o.logger.Warn("the cluster (or a proxy before it) refused a bulk request as too large (HTTP 413); sending smaller requests from now on. "+
				"Raise the limit (http.max_content_length, the proxy's body size limit) or lower output.opensearch.batch_bytes",
				"refused_bytes", 2*n, "batch_bytes_now", n)
			return
		}
	}
}

// batchBytes is the body size a batch is sent at: batch_bytes, or less
// after a 413.
func (o *Output) batchBytes() int {
	if c := o.bodyCap.Load(); c > 0 && c < int64(o.cfg.BatchBytes) {
		return int(c)
	}
	return o.cfg.BatchBytes
}

// actionFor is the bulk action of it: dead-letter entries are overwritten
// (the newest reason wins), documents are created (or overwritten when
// reindexing).
func (o *Output) actionFor(it *item) string {
	if it.refusal != nil {
		return "index"
	}
	return o.action
}
