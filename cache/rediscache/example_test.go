package rediscache_test

import (
	"fmt"

	"github.com/sessionkit/sessionkit/cache/rediscache"
)

// A cluster is named by its scheme; the hosts are seeds.
func ExampleParseURL() {
	o, err := rediscache.ParseURL("redis+cluster://10.0.0.1:7001,10.0.0.2:7002?read_timeout=200ms")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(o.Addrs, o.IsClusterMode, o.ReadTimeout)

	o, _ = rediscache.ParseURL("redis+sentinel://s1,s2?master=sessions")
	fmt.Println(o.Addrs, o.MasterName)
	// Output:
	// [10.0.0.1:7001 10.0.0.2:7002] true 200ms
	// [s1:26379 s2:26379] sessions
}

// Open makes the client; the first operation connects.
func ExampleOpen() {
	c, err := rediscache.Open("redis://127.0.0.1:6379/0")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer c.Close()
	fmt.Printf("%T\n", c.Client())
	// Output: *redis.Client
}
