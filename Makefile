# claimd — build, run, test, bench, install.
# `make run` and `make test` install what is missing first (make deps).

VERSION    := 0.1.0
PREFIX     ?= /usr/local
SYSCONFDIR ?= /etc
DESTDIR    ?=
SHARED     ?= ../shared
PYTHON     ?= /usr/bin/python3

PKGS    := libcurl libxml-2.0 jansson libzmq libsystemd sqlite3 inih libcrypto libmicrohttpd
DEB_PKGS := build-essential pkg-config libcurl4-openssl-dev libxml2-dev libjansson-dev \
            libzmq3-dev libsystemd-dev libsqlite3-dev libinih-dev libcmocka-dev libssl-dev \
            python3 python3-zmq python3-jsonschema python3-pytest python3-pytest-timeout \
            python3-feedparser python3-brotli systemd man-db curl iproute2 \
            clang libclang-rt-14-dev libmicrohttpd-dev prometheus

CC      ?= cc
WARN    := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wformat=2 \
           -Wvla -Wimplicit-fallthrough -Werror
CFLAGS  ?= -O2 -g
ifeq ($(SAN),1)
CFLAGS  += -O1 -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
LDFLAGS += -fsanitize=address,undefined
endif
CPPFLAGS += -D_GNU_SOURCE -Iinclude -DCLAIMD_VERSION='"$(VERSION)"' \
            -DCLAIMD_SYSCONFDIR='"$(SYSCONFDIR)"' -DCLAIMD_LEXICON_DIR='"$(SYSCONFDIR)/claimd/lexicon"'
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   = $(shell pkg-config --libs $(PKGS) 2>/dev/null)
ALL_CFLAGS = -std=gnu11 $(WARN) $(CFLAGS) $(CPPFLAGS) $(PKG_CFLAGS) -MMD -MP
LIBS       = $(PKG_LIBS) -lm

BUILD   ?= build$(if $(filter 1,$(SAN)),-san)
BINDIR  ?= $(if $(filter 1,$(SAN)),build-san,.)
STAGES  := feed normalise page claims ctl
LIB_SRC := $(filter-out daemon/main.c daemon/ctl/claimctl.c,$(wildcard daemon/*.c $(STAGES:%=daemon/%/*.c)))
LIB_OBJ := $(LIB_SRC:%.c=$(BUILD)/%.o)
UNIT_SRC := $(wildcard tests/unit/test_*.c)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)

.PHONY: install-bin all deps run test unit integration conformance eval bench install uninstall clean check-config model
all: $(BINDIR)/claimd $(BINDIR)/claimctl

# Install the Debian packages that are missing; quiet when all are there.
deps:
	@missing=""; for p in $(DEB_PKGS); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "make deps: installing$$missing"; \
	  SUDO=""; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null; \
	fi

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(BUILD)/libclaimd.a: $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(BINDIR)/claimd: $(BUILD)/daemon/main.o $(BUILD)/libclaimd.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBS)

$(BINDIR)/claimctl: $(BUILD)/daemon/ctl/claimctl.o $(BUILD)/libclaimd.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBS)

$(BUILD)/tests/%: tests/unit/%.c $(BUILD)/libclaimd.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $< $(BUILD)/libclaimd.a $(LIBS) -lcmocka

# The part-of-speech model (conf/lexicon/tagger.model), retrained from the UD English Web
# Treebank when $(SHARED)/ud-en-ewt is there (with WordNet's word classes, from Debian's
# wordnet-base, installed then); the shipped file is used otherwise.
UD := $(SHARED)/ud-en-ewt
WORDNET ?= /usr/share/wordnet
$(BUILD)/tools/train_tagger: tools/train_tagger.c $(BUILD)/libclaimd.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $< $(BUILD)/libclaimd.a $(LIBS)

model: $(BUILD)/tools/train_tagger
	@if [ -f $(UD)/en_ewt-ud-train.conllu.gz ] && [ -f $(UD)/en_ewt-ud-dev.conllu.gz ]; then \
	  $(MAKE) --no-print-directory deps DEB_PKGS=wordnet-base && \
	  mkdir -p $(BUILD)/ud && \
	  gzip -dc $(UD)/en_ewt-ud-train.conllu.gz > $(BUILD)/ud/train.conllu && \
	  gzip -dc $(UD)/en_ewt-ud-dev.conllu.gz > $(BUILD)/ud/dev.conllu && \
	  $(BUILD)/tools/train_tagger --iter $(MODEL_ITER) --dev $(BUILD)/ud/dev.conllu --wordnet $(WORDNET) \
	    -o conf/lexicon/tagger.model $(BUILD)/ud/train.conllu; \
	else echo "model: skipped ($(UD) not found; conf/lexicon/tagger.model is kept)"; fi
MODEL_ITER ?= 12

run: deps all
	./claimd -c conf/claimd.conf

check-config: all
	./claimd --check-config -c conf/claimd.conf

unit: all $(UNIT_BIN)
	@fail=0; for t in $(UNIT_BIN); do \
	  echo "== $$t"; (cd tests/unit && timeout 120 ../../$$t) || fail=1; \
	done; exit $$fail

integration: all
	CLAIMD_BINDIR=$(abspath $(BINDIR)) CLAIMD_SHARED=$(abspath $(SHARED)) $(PYTHON) -m pytest -q -p no:cacheprovider --timeout=120 tests/integration

conformance: all
	@if [ -d $(SHARED)/conformance ]; then \
	  $(PYTHON) $(SHARED)/conformance/run.py --min $(CONFORMANCE_MIN) -- $(BINDIR)/claimctl parse --model; \
	else echo "conformance: skipped ($(SHARED)/conformance not found)"; fi
CONFORMANCE_MIN ?= 95

# tests/eval.sh (claims on seed, wire, own) then every tests/eval_*.sh part (pages, tagger,
# held-out claims); each part says "skipped" itself when what it reads is not in $(SHARED).
eval: all
	@fail=0; \
	if [ -d $(SHARED)/fixtures/wire ]; then CLAIMCTL=$(BINDIR)/claimctl tests/eval.sh $(SHARED) || fail=1; \
	else echo "eval: skipped ($(SHARED)/fixtures/wire not found)"; fi; \
	for part in tests/eval_*.sh; do [ -e "$$part" ] || continue; \
	  CLAIMCTL=$(BINDIR)/claimctl BINDIR=$(BINDIR) sh "$$part" $(SHARED) || fail=1; done; exit $$fail

test: deps
	$(MAKE) all
	$(MAKE) unit
	$(MAKE) integration
	$(MAKE) conformance
	$(MAKE) eval
	$(MAKE) fuzz-smoke

bench: deps all
	bench/run.sh $(SHARED)

install-bin: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/sbin
	install -m 0755 claimd $(DESTDIR)$(PREFIX)/bin/claimd
	install -m 0755 claimctl $(DESTDIR)$(PREFIX)/bin/claimctl

clean:
	rm -rf build build-san build-fuzz claimd claimctl

-include $(LIB_OBJ:.o=.d) $(BUILD)/daemon/main.d $(BUILD)/daemon/ctl/claimctl.d $(BUILD)/tools/train_tagger.d

# Further targets (install details, ...) live in mk/*.mk.
-include mk/*.mk
