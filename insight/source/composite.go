package source

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"time"
)

type bucket struct {
	Key      map[string]any             `json:"key"`
	DocCount int64                      `json:"doc_count"`
	Subs     map[string]json.RawMessage `json:"-"`
}

func (b bucket) str(name string) string {
	switch v := b.Key[name].(type) {
	case string:
		return v
	case json.Number:
		return v.String()
	case bool:
		return strconv.FormatBool(v)
	}
	return ""
}

func (b bucket) num(name string) int64 {
	switch v := b.Key[name].(type) {
	case json.Number:
		if n, err := v.Int64(); err == nil {
			return n
		}
		f, _ := v.Float64()
		return int64(f)
	case string:
		n, _ := strconv.ParseInt(v, 10, 64)
		return n
	}
	return 0
}

func (b bucket) bool(name string) bool {
	switch v := b.Key[name].(type) {
	case bool:
		return v
	case json.Number:
		return v.String() == "1"
	case string:
		return v == "true"
	}
	return false
}

// day reads a date_histogram key: a formatted date or epoch milliseconds.
func (b bucket) day(name string) string {
	if v, ok := b.Key[name].(json.Number); ok {
		n, _ := v.Int64()
		return time.UnixMilli(n).UTC().Format(time.DateOnly)
	}
	return b.str(name)
}

// value reads a metric sub-aggregation as an integer.
func (b bucket) value(name string) int64 {
	var m struct {
		Value *float64 `json:"value"`
	}
	if json.Unmarshal(b.Subs[name], &m) != nil || m.Value == nil {
		return 0
	}
	return int64(*m.Value + 0.5)
}

func (b bucket) sum() int64 { return b.value("messages") }

func (b bucket) millis(name string) time.Time {
	var m struct {
		Value *float64 `json:"value"`
	}
	if json.Unmarshal(b.Subs[name], &m) != nil || m.Value == nil {
		return time.Time{}
	}
	return time.UnixMilli(int64(*m.Value)).UTC()
}

// composite pages through a composite aggregation, calling each for every
// bucket.
func composite(ctx context.Context, s Searcher, index string, filter []any, sources []map[string]any, subs map[string]any, each func(bucket)) error {
	var after map[string]any
	for {
		comp := map[string]any{"size": PageSize, "sources": sources}
		if after != nil {
			comp["after"] = after
		}
		rows := map[string]any{"composite": comp}
		if len(subs) > 0 {
			rows["aggs"] = subs
		}
		body, err := json.Marshal(map[string]any{
			"size": 0, "track_total_hits": false,
			"query": map[string]any{"bool": map[string]any{"filter": filter}},
			"aggs":  map[string]any{"rows": rows},
		})
		if err != nil {
			return fmt.Errorf("building the query on %s: %w", index, err)
		}
		raw, err := s.Search(ctx, index, body)
		if err != nil {
			return err
		}
		var res struct {
			Aggregations struct {
				Rows struct {
					AfterKey map[string]any               `json:"after_key"`
					Buckets  []map[string]json.RawMessage `json:"buckets"`
				} `json:"rows"`
			} `json:"aggregations"`
		}
		dec := json.NewDecoder(bytesReader(raw))
		dec.UseNumber()
		if err := dec.Decode(&res); err != nil {
			return fmt.Errorf("reading the aggregation answer of %s: %w", index, err)
		}
		for _, raw := range res.Aggregations.Rows.Buckets {
			b := bucket{Subs: raw}
			kd := json.NewDecoder(bytesReader(raw["key"]))
			kd.UseNumber()
			if err := kd.Decode(&b.Key); err != nil {
				return fmt.Errorf("reading a bucket key of %s: %w", index, err)
			}
			if err := json.Unmarshal(raw["doc_count"], &b.DocCount); err != nil {
				return fmt.Errorf("reading a bucket count of %s: %w", index, err)
			}
			each(b)
		}
		if len(res.Aggregations.Rows.Buckets) < PageSize || res.Aggregations.Rows.AfterKey == nil {
			return nil
		}
		after = res.Aggregations.Rows.AfterKey
	}
}

func bytesReader(b []byte) *bytes.Reader { return bytes.NewReader(b) }
