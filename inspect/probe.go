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

// Probe makes bind b for real on the live host and closes the socket at
// once: it never listens, so it never accepts a connection. A nil error
// means the bind succeeds now; otherwise the error is a *BindError with
// the errno. A System that is not live refuses, with ErrNotLive.
func (s System) Probe(b Bind) error {
	if !s.live {
		return s.notLive("probe " + b.String())
	}
	return probe(b)
}

// Prober makes probe binds: System.Probe on the host, a fake in tests.
type Prober interface {
	Probe(Bind) error
}
