package gen

import "testing"

func BenchmarkNewFile(b *testing.B) {
	o := DefaultOptions()
	var xml int64
	for i := 0; b.Loop(); i++ {
		f, err := NewFile(o, i%500)
		if err != nil {
			b.Fatal(err)
		}
		xml += f.XMLBytes
	}
	b.SetBytes(xml / int64(b.N))
}
