package cli

import (
	"fmt"
	"os"
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
