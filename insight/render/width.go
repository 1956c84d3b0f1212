package render

import (
	"strings"
	"unicode/utf8"

	"golang.org/x/text/width"
)

// cells is the number of terminal columns s takes: East Asian wide and
// full-width characters take two.
func cells(s string) int {
	n := 0
	for _, r := range s {
		n += runeCells(r)
	}
	return n
}

func runeCells(r rune) int {
	switch width.LookupRune(r).Kind() {
	case width.EastAsianWide, width.EastAsianFullwidth:
		return 2
	}
	return 1
}

// pad fills s with spaces to w columns (left-aligned), or cuts it with an
// ellipsis when longer.
func pad(s string, w int) string {
	s = cut(s, w)
	return s + strings.Repeat(" ", w-cells(s))
}

// padLeft right-aligns s in w columns.
func padLeft(s string, w int) string {
	s = cut(s, w)
	return strings.Repeat(" ", w-cells(s)) + s
}

// cut shortens s to at most w columns, ending it with "…" when cut.
func cut(s string, w int) string {
	if cells(s) <= w {
		return s
	}
	var b strings.Builder
	used := 0
	for _, r := range s {
		c := runeCells(r)
		if used+c > w-1 {
			break
		}
		b.WriteRune(r)
		used += c
	}
	return b.String() + "…"
}

// wrap breaks s into lines of at most w columns: at spaces, or anywhere
// between wide characters (Japanese has no spaces between words).
func wrap(s string, w int) []string {
	var lines []string
	for cells(s) > w {
		cutAt, used, lastSpace := 0, 0, -1
		for i, r := range s {
			c := runeCells(r)
			if used+c > w {
				break
			}
			used += c
			cutAt = i + utf8.RuneLen(r)
			if r == ' ' {
				lastSpace = i
			}
		}
		if lastSpace > 0 && (cells(s[lastSpace:cutAt]) < w/3 || !hasWide(s[:cutAt])) {
			lines = append(lines, s[:lastSpace])
			s = s[lastSpace+1:]
		} else {
			// Kinsoku: a closing mark or punctuation never starts a line.
			for cutAt > 0 && strings.ContainsRune(noLineStart, firstRune(s[cutAt:])) {
				_, size := utf8.DecodeLastRuneInString(s[:cutAt])
				cutAt -= size
			}
			if cutAt == 0 {
				cutAt = len(string(firstRune(s)))
			}
			lines = append(lines, s[:cutAt])
			s = s[cutAt:]
		}
	}
	return append(lines, s)
}

func hasWide(s string) bool {
	for _, r := range s {
		if runeCells(r) == 2 {
			return true
		}
	}
	return false
}

// noLineStart are the characters Japanese typesetting keeps off the start
// of a line.
const noLineStart = "、。，．・：；？！）」』】〕〉》ー…ぁぃぅぇぉっゃゅょァィゥェォッャュョ.,:;!?)]"

func firstRune(s string) rune {
	r, _ := utf8.DecodeRuneInString(s)
	return r
}
