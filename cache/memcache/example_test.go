package memcache_test

import (
	"fmt"

	"github.com/sessionkit/sessionkit/cache/memcache"
)

// Adding a server to the ring moves only the keys it now owns.
func ExampleRing() {
	two, _ := memcache.NewRing("10.0.0.1:11211", "10.0.0.2:11211")
	three, _ := memcache.NewRing("10.0.0.1:11211", "10.0.0.2:11211", "10.0.0.3:11211")
	moved := 0
	for i := range 3000 {
		key := fmt.Sprintf("session:%d", i)
		if two.Owner(key) != three.Owner(key) {
			moved++
		}
	}
	fmt.Println(moved > 900 && moved < 1100)
	// Output: true
}

func ExampleParseURL() {
	cfg, err := memcache.ParseURL("memcached://10.0.0.1:11211,10.0.0.2?timeout=200ms")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(cfg.Servers, cfg.Timeout)
	// Output: [10.0.0.1:11211 10.0.0.2:11211] 200ms
}
