# sessionkit: `make test` is what CI runs (.ci/run).
GO ?= go

.PHONY: test services vet unit bench-check e2e serve bench

## test: start the services the tests need, then vet and run every test with the race detector
test: services vet unit bench-check e2e

services:
	scripts/services.sh

vet:
	$(GO) vet ./...
	cd bench && $(GO) vet ./...
	cd e2e && $(GO) vet ./...

unit:
	$(GO) test -race -timeout 20m ./...

# The comparison benchmarks live in their own module; CI checks that each runs once.
bench-check:
	cd bench && $(GO) test -run '^$$' -bench . -benchtime 1x ./...

e2e:
	cd e2e && $(GO) test -count=1 -timeout 10m ./...

## serve: the demo on http://127.0.0.1:8000
serve:
	$(GO) run ./cmd/sessionkit serve

## bench: the side-by-side benchmarks with scs and gorilla/sessions (see docs/benchmarks.md)
bench:
	cd bench && $(GO) test -run '^$$' -bench . -benchmem -count 6 ./... | tee bench.txt
