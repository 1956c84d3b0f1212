package health

import (
	"errors"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

func TestFaultSetAndClear(t *testing.T) {
	reg := prometheus.NewRegistry()
	f := NewFault("archive", reg)
	NewFault("dir_state", reg) // a second component on the same registry
	if f.Err() != nil {
		t.Fatalf("new fault: %v", f.Err())
	}
	disk := errors.New("no space left on device")
	f.Set(disk)
	f.Set(disk)
	err := f.Err()
	if !errors.Is(err, disk) || !strings.HasPrefix(err.Error(), "archive failing since ") {
		t.Errorf("Err() = %v", err)
	}
	if g, n := testutil.ToFloat64(f.Gauge()), testutil.ToFloat64(f.Total()); g != 1 || n != 2 {
		t.Errorf("gauge %v total %v, want 1 and 2", g, n)
	}
	f.Clear()
	if f.Err() != nil || testutil.ToFloat64(f.Gauge()) != 0 || testutil.ToFloat64(f.Total()) != 2 {
		t.Errorf("after Clear: %v, gauge %v, total %v", f.Err(), testutil.ToFloat64(f.Gauge()), testutil.ToFloat64(f.Total()))
	}
	var none *Fault
	none.Set(disk)
	none.Clear()
	if none.Err() != nil {
		t.Error("a nil Fault reported something")
	}
}
