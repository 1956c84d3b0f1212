package testwait

import (
	"sync/atomic"
	"testing"
	"time"
)

func TestUntilReturnsOnceTheConditionHolds(t *testing.T) {
	var n atomic.Int64
	Until(t, "the third check", time.Minute, func() bool { return n.Add(1) == 3 })
	if n.Load() != 3 {
		t.Errorf("checked %d times, want 3", n.Load())
	}
}

// fatalTB records a Fatalf instead of stopping the test.
type fatalTB struct {
	testing.TB
	msg string
}

func (f *fatalTB) Helper() {}
func (f *fatalTB) Fatalf(format string, args ...any) {
	f.msg = format
	panic(f)
}

func TestUntilFailsAfterTheDeadline(t *testing.T) {
	tb := &fatalTB{TB: t}
	func() {
		defer func() {
			if r := recover(); r != tb {
				t.Fatalf("recovered %v, want the Fatalf", r)
			}
		}()
		Until(tb, "never", 20*time.Millisecond, func() bool { return false })
	}()
	if tb.msg != "timed out after %s waiting for %s" {
		t.Errorf("message %q", tb.msg)
	}
}
