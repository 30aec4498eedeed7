package inspect

import (
	"context"
	"time"
)

// Clock is the time a wait runs on: the real one, or a fake in tests.
type Clock interface {
	Now() time.Time
	// Sleep waits d, or until ctx is done, and returns ctx's error then.
	Sleep(ctx context.Context, d time.Duration) error
}

// RealClock is the time of the host.
type RealClock struct{}

func (RealClock) Now() time.Time { return time.Now() }

func (RealClock) Sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// WaitUntil checks cond every every until it holds, and gives up after
// timeout: it reports whether cond held. An error from cond or a done ctx
// ends the wait with that error. It checks once more at the deadline, so
// a timeout of 0 checks once.
func WaitUntil(ctx context.Context, c Clock, timeout, every time.Duration, cond func() (bool, error)) (bool, error) {
	deadline := c.Now().Add(timeout)
	for {
		ok, err := cond()
		if ok || err != nil {
			return ok, err
		}
		left := deadline.Sub(c.Now())
		if left <= 0 {
			return false, nil
		}
		if err := c.Sleep(ctx, min(every, left)); err != nil {
			return false, err
		}
	}
}

// Bindable is the condition that every bind succeeds now.
func Bindable(p Prober, binds ...Bind) func() (bool, error) {
	return func() (bool, error) {
		for _, b := range binds {
			if p.Probe(b) != nil {
				return false, nil
			}
		}
		return true, nil
	}
}

// ReboundAs is the bind that takes a listening socket's address again, as a
// server restarting would: with SO_REUSEADDR, so that the connections the
// old one left in TIME_WAIT do not count.
func ReboundAs(s *Socket) Bind {
	return Bind{Proto: s.Proto, Addr: s.Local.Addr(), Port: s.Local.Port(), V6Only: s.V6Only, ReuseAddr: true}
}
