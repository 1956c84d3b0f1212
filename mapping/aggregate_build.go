package mapping

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"slices"
	"strconv"

	"github.com/dmarc-agent/dmarc-agent/mapping/internal/seen"
	"github.com/dmarc-agent/dmarc-agent/report/aggregate"
)

// AggregateBuilder turns the records of one aggregate report into
// documents, with their index and deterministic id. Use one builder per
// report (per aggregate.Parse call); it is not safe for concurrent use.
type AggregateBuilder struct {
	rep   *aggregate.Report
	index string
	// reportKey identifies the report: an id of its org name, report id,
	// policy domain and date range.
	reportKey string
	meta      ReportMeta
	policy    PolicyPublished

	// seen counts the records of identical content so far, by the first 64
	// bits of their content hash: identical records get ordinals 0, 1, ...
	// Bounded memory whatever the report's size: beyond 131,072 distinct
	// records it spills to a temporary file (mapping/internal/seen).
	seen *seen.Counter
	err  error // the first error of seen: the ids after it are not sure
	buf  []byte

	// idPrefix is what an IDBuilder hashes before the content hash (kind,
	// report key, and the content hash's length prefix); idBuf is scratch.
	idPrefix, idBuf []byte
	// cols is an arena that the documents' parallel arrays are cut from, to
	// allocate in chunks rather than per record.
	cols []string
}

// Arena chunk sizes: they start small (most reports hold a few records) and
// double up to the maximum.
const colChunkMin, colChunkMax = 32, 512

// NewAggregateBuilder starts the documents of one report. rep must be
// complete (as aggregate.Parse passes it to its callback). prefix is the
// index prefix ("" for DefaultPrefix).
func NewAggregateBuilder(prefix string, rep *aggregate.Report) *AggregateBuilder {
	m, p := &rep.Metadata, &rep.Policy
	b := &AggregateBuilder{
		rep:   rep,
		index: IndexName(prefix, KindAggregate, m.Begin),
		reportKey: NewIDBuilder(KindAggregate).
			String(m.OrgName).String(m.ReportID).String(p.Domain).
			Int(m.Begin.Unix()).Int(m.End.Unix()).
			Sum(),
		meta: ReportMeta{
			OrgName: m.OrgName, OrgEmail: m.Email, ExtraContactInfo: m.ExtraContactInfo,
			ID: m.ReportID, Begin: m.Begin.UTC(), End: m.End.UTC(),
			Errors: m.Errors, Generator: m.Generator, Schema: rep.Schema,
			Repairs: rep.Repairs,
		},
		policy: PolicyPublished{
			Domain: p.Domain, ADKIM: p.ADKIM, ASPF: p.ASPF, P: p.P, SP: p.SP, NP: p.NP,
			Pct: p.Pct, FO: p.FO, Testing: p.Testing, DiscoveryMethod: p.DiscoveryMethod,
		},
		seen: seen.New(0, ""),
	}
	b.idPrefix = appendIDField(appendIDField(nil, string(KindAggregate)), b.reportKey)
	b.idPrefix = append(strconv.AppendInt(b.idPrefix, sha256.Size, 10), ':')
	return b
}

// SetSpillDir sets where the count of identical records spills past
// 131,072 distinct records ("" for os.TempDir()); call it before Build.
func (b *AggregateBuilder) SetSpillDir(dir string) { b.seen.SetDir(dir) }

// Err returns the first error met counting identical records (their
// spill file could not be written or read). Once it is set, the ids
// returned since may be wrong: the report must not be delivered.
func (b *AggregateBuilder) Err() error { return b.err }

// Close releases the spill file, if any.
func (b *AggregateBuilder) Close() error { return b.seen.Close() }

// appendIDField writes s as IDBuilder.String hashes it.
func appendIDField(b []byte, s string) []byte {
	b = strconv.AppendInt(b, int64(len(s)), 10)
	return append(append(b, ':'), s...)
}

// Build returns the document of one record, its index and its id. rec may
// be reused by the caller afterwards: the document shares nothing mutable
// with it. Enrichment fields (source.domain, source.geo, source.as,
// source.sender, dmarc.verdict) are left empty.
//
// The id hashes the reporter's org name, the report id, the policy domain,
// the date range, the record's whole content and its ordinal among
// identical records of the report, so the same report gives the same ids
// from any container and in any record order, and different reports never
// share one.
func (b *AggregateBuilder) Build(rec *aggregate.Record) (doc *AggregateDoc, index, id string) {
	doc = new(AggregateDoc)
	index, id = b.BuildInto(doc, rec)
	return doc, index, id
}

// BuildInto is Build writing the document into doc, every field of which it
// overwrites: callers that encode each document at once reuse one.
func (b *AggregateBuilder) BuildInto(doc *AggregateDoc, rec *aggregate.Record) (index, id string) {
	b.buf = appendRecord(b.buf[:0], rec)
	sum := sha256.Sum256(b.buf)
	key := binary.LittleEndian.Uint64(sum[:8])
	ordinal, err := b.seen.Next(key)
	if err != nil && b.err == nil {
		b.err = err
	}

	// The id is NewIDBuilder(KindAggregate).String(b.reportKey).
	// String(string(sum[:])).Int(ordinal).Sum(), without its allocations.
	b.idBuf = append(append(b.idBuf[:0], b.idPrefix...), sum[:]...)
	var digits [20]byte
	b.idBuf = appendIDField(b.idBuf, string(strconv.AppendUint(digits[:0], uint64(ordinal), 10)))
	idSum := sha256.Sum256(b.idBuf)
	var idText [32]byte
	base64.RawURLEncoding.Encode(idText[:], idSum[:24])
	id = string(idText[:])

	// The parallel arrays of the document are cut from one arena.
	nr, nd, ns := len(rec.Reasons), len(rec.DKIMResults), len(rec.SPFResults)
	if need := 2*nr + 4*nd + 4*ns; cap(b.cols)-len(b.cols) < need {
		b.cols = make([]string, 0, max(min(2*cap(b.cols), colChunkMax), colChunkMin, need))
	}
	col := columns{buf: b.cols}
	*doc = AggregateDoc{
		Timestamp: b.meta.Begin,
		Report:    b.meta,
		Policy:    b.policy,
		Source:    recordSource(rec),
		Message:   AggMessage{Count: rec.Count, Disposition: rec.Disposition},
		DMARC: DMARCResult{
			DKIM: rec.DKIM, SPF: rec.SPF, Pass: reportedPass(rec),
			Override: Override{
				Types:    col.add(len(rec.Reasons), true, func(i int) string { return rec.Reasons[i].Type }),
				Comments: col.add(len(rec.Reasons), false, func(i int) string { return rec.Reasons[i].Comment }),
			},
		},
		Identifiers: Identifiers{HeaderFrom: rec.HeaderFrom, EnvelopeFrom: rec.EnvelopeFrom, EnvelopeTo: rec.EnvelopeTo},
		Auth: Auth{
			DKIM: AuthDKIM{
				Domains:      col.add(len(rec.DKIMResults), true, func(i int) string { return rec.DKIMResults[i].Domain }),
				Selectors:    col.add(len(rec.DKIMResults), false, func(i int) string { return rec.DKIMResults[i].Selector }),
				Results:      col.add(len(rec.DKIMResults), true, func(i int) string { return rec.DKIMResults[i].Result }),
				HumanResults: col.add(len(rec.DKIMResults), false, func(i int) string { return rec.DKIMResults[i].HumanResult }),
			},
			SPF: AuthSPF{
				Domains:      col.add(len(rec.SPFResults), true, func(i int) string { return rec.SPFResults[i].Domain }),
				Scopes:       col.add(len(rec.SPFResults), false, func(i int) string { return rec.SPFResults[i].Scope }),
				Results:      col.add(len(rec.SPFResults), true, func(i int) string { return rec.SPFResults[i].Result }),
				HumanResults: col.add(len(rec.SPFResults), false, func(i int) string { return rec.SPFResults[i].HumanResult }),
			},
		},
	}
	if len(rec.Warnings) > 0 {
		doc.Warnings = slices.Clone(rec.Warnings)
	}
	b.cols = col.buf
	return b.index, id
}

// recordSource is the record's source: its IP address, or the text the
// report wrote when that is not one.
func recordSource(rec *aggregate.Record) Source {
	if rec.SourceIP.IsValid() {
		return Source{IP: rec.SourceIP.String()}
	}
	return Source{Address: rec.SourceAddress}
}

// reportedPass is DMARC pass as policy_evaluated says it: true when dkim or
// spf is pass, false when both are given and neither is, nil when one is
// missing and the other is not pass (enrich/verdict.Derive may work it out
// from auth_results).
func reportedPass(rec *aggregate.Record) *bool {
	switch {
	case rec.DKIM == "pass" || rec.SPF == "pass":
		return PassOf(true)
	case rec.DKIM != "" && rec.SPF != "":
		return PassOf(false)
	}
	return nil
}

// columns builds the parallel arrays that flatten a list of objects, in one
// backing array. Index i of every column describes the same object, so a
// column is either complete (with "" where the object lacks the value) or
// absent: an optional column (always false) is absent when no object has the
// value.
type columns struct{ buf []string }

func (c *columns) add(n int, always bool, get func(int) string) []string {
	if n == 0 {
		return nil
	}
	if !always {
		empty := true
		for i := range n {
			if get(i) != "" {
				empty = false
				break
			}
		}
		if empty {
			return nil
		}
	}
	start := len(c.buf)
	for i := range n {
		c.buf = append(c.buf, get(i))
	}
	return c.buf[start:len(c.buf):len(c.buf)]
}

// appendRecord writes every field of rec, length-prefixed, in a fixed order:
// the canonical content that the id hashes.
func appendRecord(b []byte, rec *aggregate.Record) []byte {
	var scratch [64]byte
	switch {
	case rec.SourceIP.IsValid():
		b = appendBytesField(b, rec.SourceIP.AppendTo(scratch[:0])) // what String() returns
	case rec.SourceAddress != "":
		// Not an address: its text, which no valid address can equal.
		b = appendField(b, rec.SourceAddress)
	default:
		b = appendField(b, rec.SourceIP.String())
	}
	b = appendBytesField(b, strconv.AppendInt(scratch[:0], rec.Count, 10))
	b = appendField(b, rec.Disposition)
	b = appendField(b, rec.DKIM)
	b = appendField(b, rec.SPF)
	b = appendField(b, rec.HeaderFrom)
	b = appendField(b, rec.EnvelopeFrom)
	b = appendField(b, rec.EnvelopeTo)
	b = binary.AppendUvarint(b, uint64(len(rec.Reasons)))
	for _, r := range rec.Reasons {
		b = appendField(appendField(b, r.Type), r.Comment)
	}
	b = binary.AppendUvarint(b, uint64(len(rec.DKIMResults)))
	for _, r := range rec.DKIMResults {
		b = appendField(appendField(appendField(appendField(b, r.Domain), r.Selector), r.Result), r.HumanResult)
	}
	b = binary.AppendUvarint(b, uint64(len(rec.SPFResults)))
	for _, r := range rec.SPFResults {
		b = appendField(appendField(appendField(appendField(b, r.Domain), r.Scope), r.Result), r.HumanResult)
	}
	return b
}

func appendField(b []byte, s string) []byte {
	return append(binary.AppendUvarint(b, uint64(len(s))), s...)
}

func appendBytesField(b, s []byte) []byte {
	return append(binary.AppendUvarint(b, uint64(len(s))), s...)
}
