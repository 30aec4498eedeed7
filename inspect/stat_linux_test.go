package inspect

import "testing"

func TestParseStat(t *testing.T) {
	for _, c := range []struct {
		in   string
		want procStat
	}{
		{"100 (nginx) S 1 100 100 0 -1 4194560 100 0 0 0 5 3 0 0 20 0 1 0 1000 10000000 500\n",
			procStat{ppid: 1, flags: 4194560, startTicks: 1000}},
		// A command name with spaces and parentheses.
		{"7 (a) b (c)) R 3 7 7 0 -1 2129984 0 0 0 0 0 0 0 0 20 0 1 0 42 0 0\n",
			procStat{ppid: 3, flags: 2129984, startTicks: 42}},
	} {
		got, err := parseStat([]byte(c.in))
		if err != nil || got != c.want {
			t.Errorf("parseStat(%q): got %+v, %v; want %+v", c.in, got, err, c.want)
		}
	}
	for _, bad := range []string{"", "1 (x) S", "1 x S 1 2 3", "1 (x) S a 1 1 0 -1 1 0 0 0 0 0 0 0 0 20 0 1 0 1 0 0"} {
		if _, err := parseStat([]byte(bad)); err == nil {
			t.Errorf("parseStat(%q): got no error, want one", bad)
		}
	}
}

func TestCapEff(t *testing.T) {
	for _, c := range []struct {
		status string
		want   uint64
	}{
		{"Name:\tx\nCapInh:\t0000000000000000\nCapEff:\t0000000000000400\nCapBnd:\t000001ffffffffff\n", 0x400},
		{"Name:\tx\nCapEff:\t000001ffffffffff\n", 0x1ffffffffff},
		{"Name:\tx\n", 0},
	} {
		if got := capEffBits([]byte(c.status)); got != c.want {
			t.Errorf("capEffBits(%q): got %#x, want %#x", c.status, got, c.want)
		}
	}
}
