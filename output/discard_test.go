package output

import (
	"context"
	"errors"
	"testing"
)

func TestDiscard(t *testing.T) {
	docs := func(n int, err error) func(func(Doc, error) bool) {
		return func(yield func(Doc, error) bool) {
			for i := range n {
				if !yield(Doc{ID: string(rune('a' + i))}, nil) {
					return
				}
			}
			if err != nil {
				yield(Doc{}, err)
			}
		}
	}
	var out Output = Discard{}
	res, err := out.Write(context.Background(), docs(3, nil))
	if err != nil || res.Indexed != 3 || res.Duplicates != 0 || len(res.Failed) != 0 {
		t.Fatalf("Write = %+v, %v; want 3 indexed", res, err)
	}
	boom := errors.New("encoding failed")
	res, err = out.Write(context.Background(), docs(2, boom))
	if !errors.Is(err, boom) || res.Indexed != 2 {
		t.Fatalf("Write = %+v, %v; want 2 indexed and the sequence's error", res, err)
	}
}
