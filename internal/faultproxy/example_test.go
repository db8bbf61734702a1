package faultproxy_test

import (
	"bufio"
	"fmt"
	"net"
	"time"

	"github.com/sessionkit/sessionkit/internal/faultproxy"
)

func Example() {
	// A server that answers "pong" to every line.
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				r := bufio.NewReader(c)
				for {
					if _, err := r.ReadString('\n'); err != nil {
						return
					}
					fmt.Fprint(c, "pong\n")
				}
			}()
		}
	}()

	p, _ := faultproxy.Start(ln.Addr().String())
	defer p.Close()
	c, _ := net.Dial("tcp", p.Addr())
	r := bufio.NewReader(c)
	ping := func() string {
		c.SetDeadline(time.Now().Add(200 * time.Millisecond))
		fmt.Fprint(c, "ping\n")
		s, err := r.ReadString('\n')
		if err != nil {
			return "no answer"
		}
		return s[:len(s)-1]
	}

	fmt.Println(ping())
	p.Stall() // the network is cut
	fmt.Println(ping())
	p.Restore() // it heals; the held "ping" is delivered, its "pong" arrives
	c.SetDeadline(time.Now().Add(time.Second))
	s, _ := r.ReadString('\n')
	fmt.Print(s)
	fmt.Println(p.RoundTrips())
	// Output:
	// pong
	// no answer
	// pong
	// 2
}
