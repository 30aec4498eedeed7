package inspect

import (
	"errors"
	"syscall"
)

// BindError is a bind that failed: the bind and the system's error.
type BindError struct {
	Bind Bind
	Err  error
}

func (e *BindError) Error() string { return "bind " + e.Bind.String() + ": " + e.Reason() }

// Reason is the system's error: "address already in use (EADDRINUSE)".
func (e *BindError) Reason() string {
	if name := e.Errno(); name != "" {
		return e.Err.Error() + " (" + name + ")"
	}
	return e.Err.Error()
}

// Errno names the system's error, as "EADDRINUSE", where it has a name.
func (e *BindError) Errno() string { return errnoName(e.Err) }

func (e *BindError) Unwrap() error { return e.Err }

// InUse reports whether a probe failed because the address is taken, as
// opposed to a missing privilege or an address the host does not have.
func InUse(err error) bool { return errors.Is(err, syscall.EADDRINUSE) }
