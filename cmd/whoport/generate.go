package main

// The manual pages in doc/ are made from the commands by a test, which
// also checks that they are current.
//go:generate go test -run ^TestManPages$ -update .
