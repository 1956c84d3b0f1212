package memo

import "testing"

func TestMapRemembersAndStartsAgainWhenFull(t *testing.T) {
	m := New[int, string](3)
	if _, ok := m.Get(1); ok {
		t.Fatal("an empty map answered")
	}
	for i := 1; i <= 3; i++ {
		m.Put(i, string(rune('a'+i)))
	}
	if v, ok := m.Get(2); !ok || v != "c" || m.Len() != 3 {
		t.Fatalf("Get(2) = %q, %v; Len %d", v, ok, m.Len())
	}
	m.Put(4, "e") // full: forgets the rest
	if _, ok := m.Get(1); ok || m.Len() != 1 {
		t.Fatalf("after the fourth Put: Get(1) answered or Len %d, want 1", m.Len())
	}
	if v, ok := m.Get(4); !ok || v != "e" {
		t.Fatalf("Get(4) = %q, %v", v, ok)
	}
}
