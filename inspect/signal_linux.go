package inspect

import (
	"errors"
	"fmt"
	"syscall"

	"golang.org/x/sys/unix"
)

// Signal sends sig to p if its pid still names the process that was seen:
// the one that started at p.StartTicks. The check and the signal go
// through a pidfd, so a pid reused in between is never signalled: the
// pidfd still names the old process, and signalling it fails. Kernels
// older than 5.3 lack pidfds; there the check comes just before kill(2).
// It never signals pid 1 or whoport itself.
func (s System) Signal(p *Process, sig syscall.Signal) error {
	if err := refuse(p); err != nil {
		return err
	}
	if !s.live {
		return s.notLive(fmt.Sprintf("signal pid %d", p.PID))
	}
	fd, err := unix.PidfdOpen(int(p.PID), 0)
	switch {
	case errors.Is(err, unix.ESRCH):
		return ErrGone
	case errors.Is(err, unix.ENOSYS):
		fd = -1
	case err != nil:
		return fmt.Errorf("signal pid %d: %w", p.PID, err)
	default:
		defer unix.Close(fd)
	}
	if err := s.Same(p); err != nil {
		return err
	}
	if fd >= 0 {
		err = unix.PidfdSendSignal(fd, sig, nil, 0)
	} else {
		err = unix.Kill(int(p.PID), sig)
	}
	if errors.Is(err, unix.ESRCH) {
		return ErrGone
	}
	if err != nil {
		return fmt.Errorf("signal pid %d: %w", p.PID, err)
	}
	return nil
}

// Same checks that p's pid still names the process that was seen: nil,
// ErrGone when no process has the pid, or ErrNotSameProcess when another
// process started since under the same pid.
func (s System) Same(p *Process) error {
	st, err := readStat(s.proc, p.PID)
	if err != nil {
		return ErrGone
	}
	if st.startTicks != p.StartTicks {
		return ErrNotSameProcess
	}
	return nil
}
