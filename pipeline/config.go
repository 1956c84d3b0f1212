package pipeline

import (
	"errors"
	"fmt"
	"runtime"
	"time"
)

// Config is the `pipeline` section.
type Config struct {
	// Workers is the number of messages decoded and parsed at once; 0 means one per core.
	Workers int `koanf:"workers"`
	// InFlight is the number of messages between the source and their
	// acknowledgement at once: being parsed, or parsed and waiting for the
	// output. More than Workers, so that the output can pack the documents
	// of many small reports into each bulk request.
	InFlight int `koanf:"in_flight"`
	// QueueSize bounds the messages waiting between sources and workers.
	QueueSize int `koanf:"queue_size"`
	// ShutdownGrace is how long in-flight messages may finish after a stop signal.
	ShutdownGrace time.Duration `koanf:"shutdown_grace"`
	// SpoolMemoryBytes is how much of one message's encoded documents are kept
	// in memory before the rest spills to a temporary file.
	SpoolMemoryBytes int `koanf:"spool_memory_bytes"`
	// InFlightMemoryBytes bounds the memory of the encoded documents of all
	// messages in flight together; beyond it, they spill to temporary files.
	InFlightMemoryBytes int `koanf:"in_flight_memory_bytes"`
	// StreamAboveBytes is how much of one message's encoded documents may
	// spill to disk, beyond memory, when the output drains at once
	// (OpenSearch): a message that outgrows it is parsed to the end only to
	// learn which reports are valid, then read again and streamed. Spilling
	// costs less CPU than a second reading; the bound keeps a huge report
	// from filling the temporary disk.
	StreamAboveBytes int64 `koanf:"stream_above_bytes"`
}

// DefaultConfig returns the defaults.
func DefaultConfig() Config {
	return Config{QueueSize: 16, ShutdownGrace: 30 * time.Second, SpoolMemoryBytes: 8 << 20,
		InFlight: 256, InFlightMemoryBytes: 16 << 20, StreamAboveBytes: 1 << 30}
}

// EffectiveWorkers resolves Workers = 0.
func (c Config) EffectiveWorkers() int {
	if c.Workers > 0 {
		return c.Workers
	}
	return runtime.GOMAXPROCS(0)
}

// EffectiveInFlight is InFlight, but never fewer than the workers.
func (c Config) EffectiveInFlight() int {
	return max(c.InFlight, c.EffectiveWorkers())
}

// Validate checks the values.
func (c Config) Validate() error {
	var errs []error
	if c.Workers < 0 {
		errs = append(errs, fmt.Errorf("pipeline.workers: must not be negative, got %d", c.Workers))
	}
	if c.QueueSize <= 0 {
		errs = append(errs, fmt.Errorf("pipeline.queue_size: must be positive, got %d", c.QueueSize))
	}
	if c.ShutdownGrace < 0 {
		errs = append(errs, fmt.Errorf("pipeline.shutdown_grace: must not be negative, got %s", c.ShutdownGrace))
	}
	if c.InFlight <= 0 {
		errs = append(errs, fmt.Errorf("pipeline.in_flight: must be positive, got %d", c.InFlight))
	}
	if c.InFlightMemoryBytes <= 0 {
		errs = append(errs, fmt.Errorf("pipeline.in_flight_memory_bytes: must be positive, got %d", c.InFlightMemoryBytes))
	}
	if c.StreamAboveBytes < 0 {
		errs = append(errs, fmt.Errorf("pipeline.stream_above_bytes: must not be negative, got %d", c.StreamAboveBytes))
	}
	if c.SpoolMemoryBytes <= 0 {
		errs = append(errs, fmt.Errorf("pipeline.spool_memory_bytes: must be positive, got %d", c.SpoolMemoryBytes))
	}
	return errors.Join(errs...)
}
