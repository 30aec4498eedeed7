//go:build !unix

package services

import "os"

// openFile opens path to read.
func openFile(path string) (*os.File, error) { return os.Open(path) }
