// Package bench compares sessionkit with alexedwards/scs and
// gorilla/sessions on the same four scenarios, through real net/http
// middleware and httptest, in one run:
//
//	ReadOnly          an existing session; the handler reads an int
//	ReadModifyWrite   an existing session; the handler increments a counter (saved)
//	NewSession        no cookie; the handler stores three keys (new cookie)
//	Payload1KB        a ~1 KB session (20 product ids, a 5-item cart, strings); add one item
//	Untouched         an existing cookie; the handler never touches the session
//
// Benchmarks are named Benchmark<Scenario>/<library>-<store>, and
// Benchmark<Scenario>/baseline runs the same handler with no session library.
// Run them with `make bench` and summarise with benchstat (docs/benchmarks.md).
//
// It is a separate module so that the library never depends on scs or
// gorilla.
package bench
