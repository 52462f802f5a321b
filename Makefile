# bpfc's entry points. `make example` loads a committed example object
# (as root); `make test` installs the test dependencies and runs every
# test, kernel tests included; `make vmtest` runs the kernel tests in every
# kernel of the matrix under qemu.

GO ?= go

.PHONY: example test vmtest testdata bench fuzz signed-testdata

example:
	$(GO) run ./cmd/bpfc -emit=direct testdata/xdp_globals.o

test:
	./scripts/deps.sh
	$(GO) test ./...

# The kernel matrix (as root): fetch Debian's kernels into
# /var/cache/bpfc-vmtest, boot each under qemu with the kernel tests and
# report per kernel. VMTEST_FLAGS passes flags to the driver, e.g.
# VMTEST_FLAGS="-kernels 5.10 -pkgs backend/direct -run TestLoad".
vmtest:
	./scripts/vmtest-deps.sh
	$(GO) run ./internal/cmd/vmtest $(VMTEST_FLAGS)

# Rebuild the committed testdata objects from testdata/src (needs clang-19).
testdata:
	./scripts/deps.sh --clang
	$(MAKE) -C testdata

bench:
	$(GO) test -run='^$$' -bench=. -benchmem ./...

# Regenerate the light skeleton bpftool signs for the signing tests to
# compare with: Debian sid's bpftool (7.8+, `gen skeleton -L -S`), fetched
# by scripts/libbpf-sid.sh --bpftool, signing with the example's test key.
signed-testdata:
	bpftool=$$(./scripts/libbpf-sid.sh --bpftool) && cd examples/signedxdp && \
	$$bpftool gen skeleton -L -S -k testkey/key.pem -i testkey/cert.pem ../../testdata/xdp_globals.o name xdp_globals \
		>testdata/xdp_globals.bpftool.lskel.h
