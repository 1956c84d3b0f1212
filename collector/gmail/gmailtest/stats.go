package gmailtest

import "sort"

// Calls returns how many requests reached rpc (e.g. "users.messages.get"),
// faults included.
func (s *Server) Calls(rpc string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls[rpc]
}

// Peak returns the most requests to rpc that were in flight at once.
func (s *Server) Peak(rpc string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.peak[rpc]
}

// TotalCalls returns how many API requests reached the fake.
func (s *Server) TotalCalls() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, c := range s.calls {
		n += c
	}
	return n
}

// UnitsUsed returns the quota units a mailbox spent.
func (s *Server) UnitsUsed(user string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.units[user]
}

// Touched lists the mailboxes any authorised request reached, sorted.
func (s *Server) Touched() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for u := range s.touched {
		out = append(out, u)
	}
	sort.Strings(out)
	return out
}

// MaxBatchModifyIDs is the largest id count a batchModify call carried.
func (s *Server) MaxBatchModifyIDs() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.maxIDs
}
