//go:build unix

package main

import "syscall"

// extraSignals are the signals of Unix systems beyond those Windows names.
var extraSignals = map[string]syscall.Signal{
	"USR1": syscall.SIGUSR1, "USR2": syscall.SIGUSR2, "STOP": syscall.SIGSTOP, "CONT": syscall.SIGCONT,
}
