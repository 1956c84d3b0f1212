package dir

import (
	"fmt"
	"os"
	"reflect"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

// A state file that cannot be written (a full disk) is an internal fault:
// every file stays where it is (nothing in processed/ or failed/), the
// fault shows in Fault() and the metrics, and once space returns each file
// is recorded and disposed of exactly once.
func TestFullStateDiskLeavesFilesPending(t *testing.T) {
	env := newEnv(t)
	env.cfg.AfterDelivery = "move"
	var want []string
	for i := range 5 {
		env.write(fmt.Sprintf("r%d.xml", i), fmt.Sprintf("report %d", i))
		want = append(want, fmt.Sprintf("r%d.xml", i))
	}
	env.write("bad0.xml", "BAD zero")
	env.write("bad1.xml", "BAD one")
	want = append([]string{"bad0.xml", "bad1.xml"}, want...)

	reg := prometheus.NewRegistry()
	s, err := New(env.cfg, nil, reg)
	if err != nil {
		t.Fatal(err)
	}
	var full atomic.Bool
	full.Store(true)
	s.stateWrites = func() error {
		if full.Load() {
			return &os.PathError{Op: "write", Path: env.state, Err: syscall.ENOSPC}
		}
		return nil
	}
	snk := newSink(t)
	snk.allowAckErrors = true
	env.runOnce(s, snk)
	if snk.count() != 7 || len(snk.ackErrs) != 7 {
		t.Fatalf("attempts %d, failed acks %d; want 7 and 7", snk.count(), len(snk.ackErrs))
	}
	if got := tree(t, env.root); !reflect.DeepEqual(got, want) {
		t.Errorf("tree while the state disk is full = %v, want %v (nothing moved, nothing in failed/)", got, want)
	}
	if err := s.Fault(); err == nil || !strings.Contains(err.Error(), "no space left on device") {
		t.Errorf("Fault() = %v, want the state file's ENOSPC", err)
	}
	if got := testutil.ToFloat64(s.fault.Gauge()); got != 1 {
		t.Errorf("dmarc_agent_internal_fault{component=dir_state} = %v, want 1", got)
	}

	full.Store(false)
	env.runOnce(s, snk)
	if snk.count() != 14 {
		t.Fatalf("attempts after space returned = %d, want 14 (each file once more)", snk.count())
	}
	wantTree := []string{"failed/bad0.xml", "failed/bad0.xml.reason", "failed/bad1.xml", "failed/bad1.xml.reason"}
	for i := range 5 {
		wantTree = append(wantTree, fmt.Sprintf("processed/r%d.xml", i))
	}
	if got := tree(t, env.root); !reflect.DeepEqual(got, wantTree) {
		t.Errorf("tree after recovery = %v, want %v", got, wantTree)
	}
	if err := s.Fault(); err != nil {
		t.Errorf("Fault() after recovery = %v", err)
	}
	if got := testutil.ToFloat64(s.fault.Gauge()); got != 0 {
		t.Errorf("dmarc_agent_internal_fault after recovery = %v, want 0", got)
	}
	if got := testutil.ToFloat64(s.fault.Total()); got != 7 {
		t.Errorf("dmarc_agent_internal_faults_total = %v, want 7", got)
	}
}
