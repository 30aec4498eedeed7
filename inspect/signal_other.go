//go:build !linux

package inspect

import (
	"context"
	"fmt"
	"os"
	"syscall"

	"github.com/shirou/gopsutil/v3/process"
)

// Signal sends sig to p if its pid still names the process that was seen,
// by its start time; the check comes just before the signal. It never
// signals pid 1 or whoport itself. Windows can only kill (SIGKILL).
func (s System) Signal(p *Process, sig syscall.Signal) error {
	if err := refuse(p); err != nil {
		return err
	}
	if !s.live {
		return s.notLive(fmt.Sprintf("signal pid %d", p.PID))
	}
	if err := s.Same(p); err != nil {
		return err
	}
	proc, err := os.FindProcess(int(p.PID))
	if err != nil {
		return ErrGone
	}
	if err := proc.Signal(sig); err != nil {
		return fmt.Errorf("signal pid %d: %w", p.PID, err)
	}
	return nil
}

// Same checks that p's pid still names the process that was seen: nil,
// ErrGone, or ErrNotSameProcess when its start time differs.
func (s System) Same(p *Process) error {
	ms, err := (&process.Process{Pid: p.PID}).CreateTimeWithContext(context.Background())
	if err != nil {
		return ErrGone
	}
	if ms != p.Started.UnixMilli() {
		return ErrNotSameProcess
	}
	return nil
}
