package cli

import (
	"fmt"
	"os"
	"runtime/debug"
	"runtime/pprof"
)

// writeMemProfile writes the allocations made so far to path.
func writeMemProfile(env Env, path string) {
	f, err := os.Create(path)
	if err == nil {
		err = pprof.Lookup("allocs").WriteTo(f, 0)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}
	if err != nil {
		fmt.Fprintf(env.Stderr, "dmarc-agent: --memprofile: %v\n", err)
	}
}

// startCPUProfile writes a CPU profile to path until the returned func is
// called. It is how performance reports are made (`ingest --cpuprofile`).
func startCPUProfile(path string) (stop func(), err error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("creating the profile: %w", err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("starting the profile: %w", err)
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}, nil
}

// tuneGC trades memory for CPU in a one-shot ingest, unless GOGC or
// GOMEMLIMIT is set: the collector runs at 5x the live heap rather than 2x
// (about 14% less CPU on the benchmark corpus), and a soft limit keeps the
// heap near 32 MiB plus twice the spool memory of the messages in flight
// when a large report makes the live heap grow. 32 MiB: the live heap of a
// 1M-record report is about 20 MiB since large reports spill or stream and
// identical records are counted in bounded memory (issue #20: peak RSS at
// most 100 MiB). The NDJSON output (ndjson) gets ndjsonHeadroom more: it
// remembers every id it wrote this run, about 40 bytes a document, and a
// live heap above the limit makes the collector run all the time (on the
// 1.4M-document benchmark mix, `--out` ran at 0.44 of `--discard`'s
// throughput with 64 MiB and 0.93 with 256 MiB). The daemon keeps Go's
// defaults and gives memory back when idle.
func tuneGC(inFlightMemory int, ndjson bool) {
	if os.Getenv("GOGC") != "" || os.Getenv("GOMEMLIMIT") != "" {
		return
	}
	limit := 32<<20 + 2*int64(inFlightMemory)
	if ndjson {
		limit += ndjsonHeadroom
	}
	debug.SetGCPercent(400)
	debug.SetMemoryLimit(limit)
}

// ndjsonHeadroom is the NDJSON output's share of the one-shot heap limit:
// the ids of about 4 million documents.
const ndjsonHeadroom = 192 << 20
