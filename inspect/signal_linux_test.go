package inspect

import (
	"errors"
	"os"
	"os/exec"
	"syscall"
	"testing"
	"time"
)

func TestSignalChecksIdentity(t *testing.T) {
	t.Parallel()
	cmd := exec.Command("sleep", "30")
	if err := cmd.Start(); err != nil {
		t.Skip(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	t.Cleanup(func() { cmd.Process.Kill() })
	pid := int32(cmd.Process.Pid)
	st, err := readStat("/proc", pid)
	if err != nil {
		t.Fatal(err)
	}
	sys := liveSystem(t)
	// The pid now names a process that started later: not signalled.
	reused := &Process{PID: pid, StartTicks: st.startTicks + 1}
	if err := sys.Signal(reused, syscall.SIGTERM); !errors.Is(err, ErrNotSameProcess) {
		t.Errorf("got %v, want ErrNotSameProcess", err)
	}
	select {
	case <-done:
		t.Fatal("the process was signalled")
	case <-time.After(100 * time.Millisecond):
	}
	// The same process: signalled.
	if err := sys.Signal(&Process{PID: pid, StartTicks: st.startTicks}, syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("the process was not signalled")
	}
	// Gone.
	if err := sys.Signal(&Process{PID: pid, StartTicks: st.startTicks}, syscall.SIGTERM); !errors.Is(err, ErrGone) {
		t.Errorf("after it exited: got %v, want ErrGone", err)
	}
}

func TestSignalRefuses(t *testing.T) {
	t.Parallel()
	for _, p := range []*Process{{PID: 1}, {PID: int32(os.Getpid())}, {PID: 0}, {PID: -5}} {
		if err := liveSystem(t).Signal(p, syscall.SIGCONT); err == nil || errors.Is(err, ErrGone) {
			t.Errorf("pid %d: got %v, want a refusal", p.PID, err)
		}
	}
	if err := (Fixture(t.TempDir(), Identity{})).Signal(&Process{PID: 99999}, syscall.SIGCONT); err == nil {
		t.Errorf("a fixture root: got no error, want one: it has no processes to signal")
	}
}
