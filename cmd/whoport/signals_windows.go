//go:build windows

package main

import "syscall"

// extraSignals: Windows has no more.
var extraSignals = map[string]syscall.Signal{}
