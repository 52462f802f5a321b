# bpfc's entry points. `make example` loads a committed example object
# (as root); `make test` installs the test dependencies and runs every
# test, kernel tests included.

GO ?= go

.PHONY: example test testdata bench fuzz

example:
	$(GO) run ./cmd/bpfc -emit=direct testdata/xdp_globals.o

test:
	./scripts/deps.sh
	$(GO) test ./...

# Rebuild the committed testdata objects from testdata/src (needs clang-19).
testdata:
	./scripts/deps.sh --clang
	$(MAKE) -C testdata

bench:
	$(GO) test -run='^$$' -bench=. -benchmem ./...
