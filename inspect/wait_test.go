package inspect

import (
	"context"
	"errors"
	"net/netip"
	"syscall"
	"testing"
	"time"

	"github.com/whoport/whoport/services"
)

// fakeClock advances only when slept on.
type fakeClock struct{ now time.Time }

func (c *fakeClock) Now() time.Time { return c.now }

func (c *fakeClock) Sleep(ctx context.Context, d time.Duration) error {
	c.now = c.now.Add(d)
	return ctx.Err()
}

// fakeProber fails binds until it has been asked fails times.
type fakeProber struct {
	fails int
	asked []Bind
}

func (p *fakeProber) Probe(b Bind) error {
	p.asked = append(p.asked, b)
	if len(p.asked) <= p.fails {
		return &BindError{b, syscall.EADDRINUSE}
	}
	return nil
}

func TestWaitUntilBindable(t *testing.T) {
	b := Bind{Proto: services.TCP, Addr: netip.IPv4Unspecified(), Port: 8080, ReuseAddr: true}
	for _, c := range []struct {
		name    string
		fails   int
		timeout time.Duration
		want    bool
		probes  int
	}{
		{"free at once", 0, time.Second, true, 1},
		{"free on the third look", 2, time.Second, true, 3},
		{"still held at the deadline", 100, time.Second, false, 11}, // at 0, 100ms … 1s
		{"a timeout of 0 looks once", 100, 0, false, 1},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := &fakeProber{fails: c.fails}
			clock := &fakeClock{now: time.Unix(1e9, 0)}
			got, err := WaitUntil(context.Background(), clock, c.timeout, 100*time.Millisecond, Bindable(p, b))
			if err != nil || got != c.want || len(p.asked) != c.probes {
				t.Errorf("got %v, %v after %d probes; want %v after %d", got, err, len(p.asked), c.want, c.probes)
			}
			if elapsed := clock.now.Sub(time.Unix(1e9, 0)); elapsed > c.timeout {
				t.Errorf("waited %v, more than the timeout %v", elapsed, c.timeout)
			}
		})
	}
}

func TestWaitUntilStopsOnError(t *testing.T) {
	boom := errors.New("boom")
	_, err := WaitUntil(context.Background(), &fakeClock{}, time.Hour, time.Second, func() (bool, error) { return false, boom })
	if err != boom {
		t.Errorf("got %v, want the condition's error", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := WaitUntil(ctx, &fakeClock{}, time.Hour, time.Second, func() (bool, error) { return false, nil }); err != context.Canceled {
		t.Errorf("a cancelled wait: got %v, want context.Canceled", err)
	}
}

// TestSystemThatIsNotLiveActsOnNothing: a fixture refuses to probe or
// signal, with ErrNotLive.
func TestSystemThatIsNotLiveActsOnNothing(t *testing.T) {
	s := Fixture(t.TempDir(), Identity{})
	if err := s.Probe(Bind{Proto: services.TCP, Addr: netip.IPv4Unspecified(), Port: 8080}); !errors.Is(err, ErrNotLive) {
		t.Errorf("Probe: got %v, want ErrNotLive", err)
	}
	if err := s.Signal(&Process{PID: 4242}, syscall.SIGTERM); !errors.Is(err, ErrNotLive) {
		t.Errorf("Signal: got %v, want ErrNotLive", err)
	}
}
