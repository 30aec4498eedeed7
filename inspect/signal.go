package inspect

import (
	"errors"
	"fmt"
	"os"
)

// Errors of Signal.
var (
	// ErrNotSameProcess: the pid now names another process than the one
	// seen, so it is not signalled.
	ErrNotSameProcess = errors.New("the pid now belongs to another process")
	// ErrGone: the process has exited.
	ErrGone = errors.New("the process has exited")
)

// refuse says why a process must never be signalled: pid 1, whose death
// takes the system down, and whoport itself.
func refuse(p *Process) error {
	switch {
	case p.PID <= 1:
		return fmt.Errorf("pid %d is init: whoport never signals it", p.PID)
	case int(p.PID) == os.Getpid():
		return fmt.Errorf("pid %d is whoport itself", p.PID)
	}
	return nil
}
