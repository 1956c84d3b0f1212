// Package promreg registers Prometheus collectors that may already be
// registered: two sources built on one registry (tests, a rebuilt source)
// share the first one's collectors instead of panicking.
package promreg

import (
	"errors"

	"github.com/prometheus/client_golang/prometheus"
)

// Register registers c on reg, or returns the collector of the same type
// already registered under the same descriptor. Any other registration
// error leaves c unregistered and returns it (its values are then not
// exported, never a crash).
func Register[C prometheus.Collector](reg prometheus.Registerer, c C) C {
	if err := reg.Register(c); err != nil {
		var are prometheus.AlreadyRegisteredError
		if errors.As(err, &are) {
			if old, ok := are.ExistingCollector.(C); ok {
				return old
			}
		}
	}
	return c
}
