package main

import (
	"os"
	"strconv"
)

// outputWidth is how wide lines written to w may be: the terminal's
// width, or COLUMNS when it is set, for a terminal; 0 (no limit) for a
// pipe or a file, where a script wants every character.
func outputWidth(w any, columns string) int {
	f, ok := w.(*os.File)
	if !ok || !isTerminal(f) {
		return 0
	}
	if n, err := strconv.Atoi(columns); err == nil && n > 0 {
		return n
	}
	return terminalColumns(f)
}
