package collector

import "testing"

func isClosed(ch <-chan struct{}) bool {
	select {
	case <-ch:
		return true
	default:
		return false
	}
}

func TestPendingAcksWaitsForCloseAndEveryAck(t *testing.T) {
	a := NewPendingAcks()
	a.Add()
	a.Add()
	a.Done()
	a.Done() // nothing pending, but the pass may still send
	if isClosed(a.All()) {
		t.Fatal("All closed while the pass was still sending")
	}
	a.Add()
	a.Close()
	if isClosed(a.All()) {
		t.Fatal("All closed with one ack pending")
	}
	a.Done()
	if !isClosed(a.All()) {
		t.Fatal("All not closed after Close and the last ack")
	}
}

func TestPendingAcksCloseWithNothingPending(t *testing.T) {
	a := NewPendingAcks()
	a.Close()
	if !isClosed(a.All()) {
		t.Fatal("All not closed after Close with no ack pending")
	}
}

func TestPendingAcksConcurrentAcks(t *testing.T) {
	a := NewPendingAcks()
	const n = 50
	for range n {
		a.Add()
	}
	for range n {
		go a.Done()
	}
	a.Close()
	<-a.All() // closed exactly once, after the last Done; -race checks the counting
}
