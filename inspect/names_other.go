//go:build !linux

package inspect

import (
	"context"
	"errors"

	"github.com/shirou/gopsutil/v3/process"
)

// OpenFiles is how many files are open on the host: unknown here, where
// holders come from gopsutil.
func (s System) OpenFiles() (int, error) {
	return 0, errors.New("open files: not known on this system")
}

// Processes lists the host's processes, each with its pid, name and user
// only, through gopsutil.
func (s System) Processes(ctx context.Context) ([]*Process, error) {
	ps, err := process.ProcessesWithContext(ctx)
	if err != nil {
		return nil, err
	}
	d := &describer{ctx: ctx, sys: s}
	out := make([]*Process, 0, len(ps))
	for _, p := range ps {
		out = append(out, d.describe(p.Pid))
	}
	return out, nil
}
