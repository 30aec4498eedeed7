package inspect

import (
	"context"
	"net"
	"testing"
)

// The collector's benchmarks run on the live host: start scripts/bench's
// load, or any busy host, to see the costs that matter. The walk of
// /proc/*/fd grows with the host's descriptors, the tables with its
// sockets.

func BenchmarkCollectPort(b *testing.B) {
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	defer ln.Close()
	port := uint16(ln.Addr().(*net.TCPAddr).Port)
	keep := func(s *Socket) bool { return s.Local.Port() == port }
	for b.Loop() {
		snap, err := liveSystem(b).Collect(context.Background(), Filter{Keep: keep})
		if err != nil || len(snap.Sockets) != 1 || len(snap.Sockets[0].Holders) != 1 {
			b.Fatalf("got %v, %v; want our listener and us", snap, err)
		}
	}
}

func BenchmarkCollectListening(b *testing.B) {
	for b.Loop() {
		if _, err := liveSystem(b).Collect(context.Background(), Filter{Listening: true}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkScanFDs(b *testing.B) {
	for b.Loop() {
		pids, err := listPIDs("/proc")
		if err != nil {
			b.Fatal(err)
		}
		scanFDs("/proc", pids, map[uint64]struct{}{1: {}})
	}
}

func BenchmarkSockDiag(b *testing.B) {
	for b.Loop() {
		if _, err := dumpSockDiag(Filter{}); err != nil {
			b.Skip(err)
		}
	}
}

func BenchmarkReadNetTables(b *testing.B) {
	for b.Loop() {
		if _, _, err := readNetTables("/proc", &Filter{}); err != nil {
			b.Fatal(err)
		}
	}
}
