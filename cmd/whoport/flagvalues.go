package main

import (
	"fmt"
	"strconv"
	"time"
)

// durationFlag is a flag that takes a duration of 0 or more, and says
// what it takes, in words, when it is given something else.
type durationFlag struct{ d *time.Duration }

func (f durationFlag) String() string {
	if f.d == nil {
		return "0s"
	}
	return f.d.String()
}

func (f durationFlag) Type() string { return "duration" }

func (f durationFlag) Set(s string) error {
	d, err := time.ParseDuration(s)
	switch {
	case err != nil:
		return fmt.Errorf("give a duration such as 500ms, 10s or 2m")
	case d < 0:
		return fmt.Errorf("give a duration of 0 or more, such as 500ms, 10s or 2m")
	}
	*f.d = d
	return nil
}

// countFlag is a flag that takes a whole number of 0 or more.
type countFlag struct{ n *int }

func (f countFlag) String() string {
	if f.n == nil {
		return "0"
	}
	return strconv.Itoa(*f.n)
}

func (f countFlag) Type() string { return "count" }

func (f countFlag) Set(s string) error {
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		return fmt.Errorf("give a whole number, 0 or more")
	}
	*f.n = n
	return nil
}
