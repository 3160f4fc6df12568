# mk/examples.mk — the example subscribers (included by the Makefile). examples/sub.c is
# built on its own, with libzmq and jansson only (and include/claimd/wire.h), as a
# subscriber author would; `make integration` builds it before tests/integration/
# test_examples.py runs it against the real daemon. examples/sub.py and examples/sub.js
# need no build (sub.js needs npm zeromq 6, which the test installs into a cache
# directory outside the repository).

EXAMPLE_BIN := $(BUILD)/examples/sub

examples: $(EXAMPLE_BIN)

$(EXAMPLE_BIN): examples/sub.c include/claimd/wire.h
	@mkdir -p $(dir $@)
	$(CC) -std=c11 $(WARN) $(CFLAGS) -Iinclude $(shell pkg-config --cflags libzmq jansson) \
	  $(LDFLAGS) -o $@ $< $(shell pkg-config --libs libzmq jansson)

integration: examples

.PHONY: examples
