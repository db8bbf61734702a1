# sessionkit: `make test` is what CI runs (.ci/run).
GO ?= go

.PHONY: test services vet unit allocs go-next fuzz bench-check e2e examples serve bench

# The Go release after the one go.mod names; the go command fetches it.
GO_NEXT ?= go1.27.3

## test: start the services the tests need, then vet and run every test with the race detector,
## the allocation tests without it, the unit tests again under the next Go release, the fuzzers briefly,
## the browser tests and the example applications
test: services vet unit allocs go-next fuzz bench-check e2e examples

services:
	scripts/services.sh

vet:
	$(GO) vet ./...
	cd bench && $(GO) vet ./...
	cd e2e && $(GO) vet ./...

unit:
	$(GO) test -race -timeout 20m ./...

# internal/fastzlib against compress/flate, both ways, on a time budget. New
# inputs are minimized briefly: the default minute each would eat the budget.
FUZZTIME ?= 10s
fuzz:
	$(GO) test -run '^$$' -fuzz '^FuzzDifferential$$' -fuzztime $(FUZZTIME) -fuzzminimizetime 100x ./internal/fastzlib
	$(GO) test -run '^$$' -fuzz '^FuzzDecompress$$' -fuzztime $(FUZZTIME) -fuzzminimizetime 100x ./internal/fastzlib
	$(GO) test -run '^$$' -fuzz '^FuzzDecode$$' -fuzztime $(FUZZTIME) -fuzzminimizetime 100x ./internal/pypickle

# The race detector changes allocation counts, so the tests that count them
# (testing.AllocsPerRun, in tests named *Alloc*) skip under -race: run them
# without it.
allocs:
	$(GO) test -count=1 -run Alloc ./...

# The unit tests under the next Go release, without the race detector.
go-next:
	GOTOOLCHAIN=$(GO_NEXT) $(GO) test -timeout 20m ./...

# The comparison benchmarks live in their own module; CI checks that each runs once.
bench-check:
	cd bench && $(GO) test -run '^$$' -bench . -benchtime 1x ./...

e2e:
	cd e2e && $(GO) test -count=1 -timeout 10m ./...

# The example applications (net/http, chi, gin, echo) are a module of their
# own, built against this checkout through a replace directive.
examples:
	cd examples && $(GO) vet ./... && $(GO) test -race -count=1 ./...

## serve: build, then run the playground on http://127.0.0.1:8000
serve:
	@echo "make serve: building bin/sessionkit first (the first build compiles the pure-Go SQLite driver and takes a couple of minutes; later builds take seconds)"
	$(GO) build -o bin/sessionkit ./cmd/sessionkit
	@echo "make serve: built; starting bin/sessionkit serve"
	./bin/sessionkit serve

## bench: the side-by-side benchmarks with scs and gorilla/sessions (see docs/benchmarks.md)
bench:
	cd bench && $(GO) test -run '^$$' -bench . -benchmem -count 6 ./... | tee bench.txt
