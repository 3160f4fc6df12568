# mk/install.mk — `make install` / `make uninstall` (included by the Makefile).
#
# Takes DESTDIR, PREFIX (default /usr/local) and SYSCONFDIR (default /etc). Installs the
# binaries (install-bin), the systemd units (paths in them rewritten for PREFIX and
# SYSCONFDIR), the journal catalog, the production configuration conf/production/claimd.conf
# (never over an existing one: state in /var/lib/claimd as the unit's StateDirectory= says,
# sources in sources.d/; conf/claimd.conf is the development one of `make run`), the
# lexicons and the man pages. Refreshes the journal catalog database only when
# installing into the running system (no DESTDIR). Uninstall leaves SYSCONFDIR alone: the
# configuration is the operator's.

UNITDIR    ?= $(PREFIX)/lib/systemd/system
CATALOGDIR ?= $(PREFIX)/lib/systemd/catalog
DATADIR    ?= $(PREFIX)/share/claimd
MANDIR     ?= $(PREFIX)/share/man
CONFDIR    := $(SYSCONFDIR)/claimd

INSTALL_MAN := man/claimctl.1 man/claimd.conf.5 man/claimd.8
INSTALL_UNITS := systemd/claimd.service systemd/claimd.socket

# The units name the default paths; rewrite them for this PREFIX and SYSCONFDIR.
INSTALL_SED := -e 's|/usr/local/bin/|$(PREFIX)/bin/|g' -e 's|/etc/claimd/|$(CONFDIR)/|g'

install: install-bin install-systemd install-conf install-data install-man
	@if [ -z "$(DESTDIR)" ]; then \
	  if command -v journalctl >/dev/null 2>&1; then journalctl --update-catalog || true; fi; \
	  echo "installed; now: systemctl daemon-reload && systemctl enable --now claimd"; \
	fi

install-systemd: $(INSTALL_UNITS) systemd/claimd.catalog
	install -d $(DESTDIR)$(UNITDIR) $(DESTDIR)$(CATALOGDIR)
	for u in $(INSTALL_UNITS); do \
	  sed $(INSTALL_SED) $$u > $(DESTDIR)$(UNITDIR)/$${u##*/}.tmp && \
	  chmod 0644 $(DESTDIR)$(UNITDIR)/$${u##*/}.tmp && \
	  mv -f $(DESTDIR)$(UNITDIR)/$${u##*/}.tmp $(DESTDIR)$(UNITDIR)/$${u##*/} || exit 1; \
	done
	install -m 0644 systemd/claimd.catalog $(DESTDIR)$(CATALOGDIR)/claimd.catalog

# claimd runs as a transient user (DynamicUser=yes): what it reads must be world-readable.
INSTALL_CONF := conf/production/claimd.conf

# The tagger's model (lexicon/tagger.*) is data, not configuration: always replaced, so an
# upgrade never leaves a model of an older format that the new claimd refuses.
install-conf:
	@test -f $(INSTALL_CONF) || { echo "install: $(INSTALL_CONF) is missing" >&2; exit 1; }
	install -d -m 0755 $(DESTDIR)$(CONFDIR) $(DESTDIR)$(CONFDIR)/sources.d $(DESTDIR)$(CONFDIR)/lexicon
	@if [ -e $(DESTDIR)$(CONFDIR)/claimd.conf ]; then \
	  echo "keeping existing $(DESTDIR)$(CONFDIR)/claimd.conf"; \
	else \
	  echo "install $(INSTALL_CONF) $(DESTDIR)$(CONFDIR)/claimd.conf"; \
	  sed $(INSTALL_SED) $(INSTALL_CONF) > $(DESTDIR)$(CONFDIR)/claimd.conf && \
	  chmod 0644 $(DESTDIR)$(CONFDIR)/claimd.conf; \
	fi
	@for f in $$(cd conf && find sources.d lexicon -type f 2>/dev/null | LC_ALL=C sort); do \
	  case $$f in lexicon/tagger.*) rm -f $(DESTDIR)$(CONFDIR)/$$f;; esac; \
	  if [ -e $(DESTDIR)$(CONFDIR)/$$f ]; then \
	    echo "keeping existing $(DESTDIR)$(CONFDIR)/$$f"; \
	  else \
	    install -D -m 0644 conf/$$f $(DESTDIR)$(CONFDIR)/$$f || exit 1; \
	  fi; \
	done

install-data:
	install -d -m 0755 $(DESTDIR)$(DATADIR)/lexicon
	@for f in $$(cd conf/lexicon && find . -type f 2>/dev/null | LC_ALL=C sort); do \
	  install -D -m 0644 conf/lexicon/$$f $(DESTDIR)$(DATADIR)/lexicon/$$f || exit 1; \
	done

install-man: $(INSTALL_MAN)
	install -d $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(MANDIR)/man8
	install -m 0644 man/claimctl.1 $(DESTDIR)$(MANDIR)/man1/claimctl.1
	install -m 0644 man/claimd.conf.5 $(DESTDIR)$(MANDIR)/man5/claimd.conf.5
	install -m 0644 man/claimd.8 $(DESTDIR)$(MANDIR)/man8/claimd.8

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/claimd $(DESTDIR)$(PREFIX)/bin/claimctl
	rm -f $(DESTDIR)$(UNITDIR)/claimd.service $(DESTDIR)$(UNITDIR)/claimd.socket
	rm -f $(DESTDIR)$(CATALOGDIR)/claimd.catalog
	rm -f $(DESTDIR)$(MANDIR)/man1/claimctl.1 $(DESTDIR)$(MANDIR)/man5/claimd.conf.5 \
	      $(DESTDIR)$(MANDIR)/man8/claimd.8
	rm -rf $(DESTDIR)$(DATADIR)
	@if [ -z "$(DESTDIR)" ] && command -v journalctl >/dev/null 2>&1; then \
	  journalctl --update-catalog || true; fi
	@echo "left $(DESTDIR)$(CONFDIR) in place (remove it by hand if no longer wanted)"

.PHONY: install-systemd install-conf install-data install-man
