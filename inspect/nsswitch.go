package inspect

import "bytes"

// nssBeyondFiles reports whether the contents of nsswitch.conf name a
// source for passwd other than files (and compat, which reads them too).
func nssBeyondFiles(conf []byte) bool {
	for line := range bytes.Lines(conf) {
		line, _, _ = bytes.Cut(line, []byte("#"))
		db, sources, ok := bytes.Cut(line, []byte(":"))
		if !ok || string(bytes.TrimSpace(db)) != "passwd" {
			continue
		}
		for _, s := range bytes.Fields(sources) {
			if s[0] != '[' && string(s) != "files" && string(s) != "compat" {
				return true
			}
		}
		return false
	}
	return false
}
