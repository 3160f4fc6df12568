# mk/fuzz.mk — libFuzzer targets, one per parser (tests/fuzz/fuzz_*.c).
#   make fuzz FUZZ_SECONDS=N    runs every target for N seconds (default 60) on a corpus
#                               seeded from tests/fixtures, after replaying tests/fuzz/regress/
#   make fuzz FUZZ_TARGETS=html ...     only some targets
#   make fuzz-smoke             what `make test` runs: regressions, then 10 s a target
# Built with clang (Debian's clang + libclang-rt-14-dev) and -fsanitize=fuzzer,address,undefined;
# a crash, a leak or a timeout (FUZZ_TIMEOUT s an input) fails the run and leaves the input
# in build-fuzz/artifacts/: add it to tests/fuzz/regress/<target>/ with the fix.
FUZZ_CC      ?= clang
FUZZ_BUILD   := build-fuzz
FUZZ_SECONDS ?= 60
FUZZ_TIMEOUT ?= 10
FUZZ_ALL     := $(patsubst tests/fuzz/fuzz_%.c,%,$(wildcard tests/fuzz/fuzz_*.c))
FUZZ_TARGETS ?= $(FUZZ_ALL)
FUZZ_SANFLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
FUZZ_CFLAGS  = -std=gnu11 $(WARN) -g -O1 $(FUZZ_SANFLAGS) $(CPPFLAGS) $(PKG_CFLAGS)
FUZZ_LIB_OBJ := $(LIB_SRC:%.c=$(FUZZ_BUILD)/%.o)

.PHONY: fuzz fuzz-build fuzz-smoke
$(FUZZ_BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c -o $@ $<

$(FUZZ_BUILD)/libclaimd.a: $(FUZZ_LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(FUZZ_BUILD)/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz.h $(FUZZ_BUILD)/libclaimd.a
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $< $(FUZZ_BUILD)/libclaimd.a $(LIBS)

fuzz-build: deps $(FUZZ_TARGETS:%=$(FUZZ_BUILD)/fuzz_%)

fuzz: fuzz-build
	FUZZ_BUILD=$(FUZZ_BUILD) FUZZ_TIMEOUT=$(FUZZ_TIMEOUT) tests/fuzz/run.sh $(FUZZ_SECONDS) $(FUZZ_TARGETS)

fuzz-smoke: fuzz-build
	FUZZ_BUILD=$(FUZZ_BUILD) FUZZ_TIMEOUT=$(FUZZ_TIMEOUT) tests/fuzz/run.sh 10 $(FUZZ_TARGETS)
