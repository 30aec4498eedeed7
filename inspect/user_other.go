//go:build !linux || (cgo && !osusergo)

package inspect

// nssUserName has nothing to add where os/user already goes through NSS
// (a build with cgo).
func nssUserName(uint32) string { return "" }
