package services_test

import (
	"fmt"
	"strings"

	"github.com/whoport/whoport/services"
)

func ExampleRegistry_Port() {
	for _, n := range []uint16{80, 6005, 27017, 50000, 0} {
		p := services.Default().Port(n, services.TCP)
		fmt.Printf("%d/%s %s %s", p.Number, p.Proto, p.Class, p.Status)
		for _, s := range p.Services {
			fmt.Printf(" %s", s.Name)
		}
		if p.Note != "" {
			fmt.Printf(" (%s)", p.Note)
		}
		fmt.Println()
	}
	// Output:
	// 80/tcp system assigned http www www-http
	// 6005/tcp user assigned x11
	// 27017/tcp user assigned mongodb
	// 50000/tcp dynamic unassigned
	// 0/tcp system reserved (port 0 is reserved: binding it asks the OS to pick a free port)
}

func ExampleRegistry_ByName() {
	for _, r := range services.Default().ByName("X11") {
		fmt.Printf("%s %d-%d/%s\n", r.Name, r.First, r.Last, r.Proto)
	}
	// Output:
	// x11 6000-6063/tcp
	// x11 6000-6063/udp
}

func ExampleRegistry_Suggest() {
	r := services.Default()
	if r.ByName("postgress") == nil {
		fmt.Println("did you mean", r.Suggest("postgress", 3))
	}
	// Output:
	// did you mean [postgresql]
}

func ExampleRegistry_WithLocal() {
	r, err := services.Default().WithLocal(strings.NewReader("myapp 8080/tcp # my app\n"))
	if err != nil {
		panic(err)
	}
	for _, s := range r.Port(8080, services.TCP).Services {
		fmt.Println(s.Name, s.Local)
	}
	// Output:
	// http-alt false
	// myapp true
}
