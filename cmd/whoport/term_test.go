package main

import "testing"

// TestClean: what other processes wrote reaches the terminal escaped, and
// a backslash of theirs is escaped too, so that an escape is never
// ambiguous.
func TestClean(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"nginx", "nginx"},
		{"a\x1b[31mred", `a\x1b[31mred`},
		{`a\x1b[31mred`, `a\\x1b[31mred`}, // typed by the process, not an ESC
		{"two\nlines", `two\nlines`},
		{"bidi\u202e", `bidi\u202e`},
		{"C:\\Program Files", `C:\\Program Files`},
	} {
		if got := clean(c.in); got != c.want {
			t.Errorf("clean(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}
