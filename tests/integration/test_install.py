"""test_install.py — `make install` into a DESTDIR, checked file by file and with real tools.

- `make install DESTDIR=tmp PREFIX=/usr` puts the binaries, the units (paths rewritten for
  the prefix), the catalog, the default configuration, the lexicons and the man pages in
  place, with modes a transient service user can read;
- a second install keeps an operator's edited claimd.conf; `make uninstall` removes what
  install put there and leaves the configuration;
- each man page renders with `man -l --warnings` and no warning; `man -M` finds the
  installed pages by name, as `systemd-analyze verify` needs for Documentation=;
- the installed unit verifies cleanly (its binary path pointed into DESTDIR), and the
  installed catalog compiles with `journalctl --root=DESTDIR --update-catalog`.

Run: /usr/bin/python3 -m pytest -q tests/integration/test_install.py (after make all).
"""
import os
import re
import shutil
import stat
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PAGES = {"claimctl.1": "man1", "claimd.conf.5": "man5", "claimd.8": "man8"}


def run(cmd, **kw):
    kw.setdefault("capture_output", True)
    kw.setdefault("text", True)
    kw.setdefault("timeout", 110)
    return subprocess.run(cmd, **kw)


def make(*args):
    # MAKEFLAGS from an outer `make test` would leak -j/-n settings; start clean.
    env = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL")}
    return run(["make", "--no-print-directory", "-C", str(ROOT), *args], env=env)


def lexicon_files():
    base = ROOT / "conf" / "lexicon"
    return sorted(p.relative_to(base) for p in base.rglob("*") if p.is_file())


def need_binaries():
    # `make install` would otherwise build them here (make test builds them first).
    assert (ROOT / "claimd").is_file() and (ROOT / "claimctl").is_file(), \
        "./claimd and ./claimctl are missing: run make all first"


@pytest.fixture(scope="module")
def dest(tmp_path_factory):
    need_binaries()
    d = tmp_path_factory.mktemp("destdir")
    r = make("install", f"DESTDIR={d}", "PREFIX=/usr")
    assert r.returncode == 0, f"make install failed:\n{r.stdout[-3000:]}\n{r.stderr[-3000:]}"
    return d


def mode(p):
    return stat.S_IMODE(p.stat().st_mode)


def test_binaries(dest):
    for name in ("claimd", "claimctl"):
        p = dest / "usr/bin" / name
        assert p.is_file(), p
        assert mode(p) == 0o755
        r = run([str(p), "--version"])
        assert r.returncode == 0 and "0." in r.stdout, r.stdout + r.stderr


def test_units_and_catalog(dest):
    unit = dest / "usr/lib/systemd/system/claimd.service"
    sock = dest / "usr/lib/systemd/system/claimd.socket"
    cat = dest / "usr/lib/systemd/catalog/claimd.catalog"
    for p in (unit, sock, cat):
        assert p.is_file(), p
        assert mode(p) == 0o644, p
    text = unit.read_text()
    assert re.search(r"^ExecStart=/usr/bin/claimd -c /etc/claimd/claimd.conf$", text, re.M)
    assert re.search(r"^ExecStartPre=/usr/bin/claimd --check-config -c /etc/claimd/claimd.conf$",
                     text, re.M)
    settings = [l for l in text.splitlines() if l and not l.startswith("#")]
    assert not [l for l in settings if "/usr/local" in l]
    assert cat.read_bytes() == (ROOT / "systemd/claimd.catalog").read_bytes()


def test_configuration_and_lexicons(dest):
    conf = dest / "etc/claimd/claimd.conf"
    assert conf.is_file()
    assert mode(conf) == 0o644  # readable by the DynamicUser= service user
    assert mode(dest / "etc/claimd") == 0o755
    files = lexicon_files()
    assert files, "conf/lexicon is empty"
    for rel in files:
        src = (ROOT / "conf/lexicon" / rel).read_bytes()
        for base in ("usr/share/claimd/lexicon", "etc/claimd/lexicon"):
            p = dest / base / rel
            assert p.is_file(), p
            assert p.read_bytes() == src, p
            assert mode(p) == 0o644, p


def test_man_pages_installed_and_found(dest):
    mandir = dest / "usr/share/man"
    for page, section in PAGES.items():
        p = mandir / section / page
        assert p.is_file(), p
        assert p.read_bytes() == (ROOT / "man" / page).read_bytes()
        name, sect = page.rsplit(".", 1)
        r = run(["man", "-M", str(mandir), "-w", sect, name])
        assert r.returncode == 0 and r.stdout.strip() == str(p), r.stdout + r.stderr


@pytest.mark.parametrize("page", sorted(PAGES))
def test_man_page_renders_without_warnings(page):
    env = dict(os.environ, MANWIDTH="80", LANG="C.UTF-8", MAN_KEEP_FORMATTING="")
    r = run(["man", "-l", "--warnings", str(ROOT / "man" / page)], env=env)
    assert r.returncode == 0, r.stderr
    assert r.stderr == "", f"{page}: warnings:\n{r.stderr}"
    out = r.stdout
    for section in ("NAME", "SYNOPSIS", "DESCRIPTION", "SEE ALSO"):
        assert re.search(rf"^{section}$", out, re.M), f"{page}: no {section} section"
    width = max(len(l) for l in out.splitlines())
    assert width <= 80, f"{page}: a rendered line is {width} columns wide"


def test_man_pages_cover_the_interface():
    """Every MESSAGE_ID, configuration key and claimctl subcommand is documented."""
    render = lambda page: run(["man", "-l", str(ROOT / "man" / page)],
                              env=dict(os.environ, MANWIDTH="200")).stdout
    m8, m5, m1 = render("claimd.8"), render("claimd.conf.5"), render("claimctl.1")
    ids = re.findall(r'"([0-9a-f]{32})"', (ROOT / "include/claimd/msgid.h").read_text())
    assert ids and all(i in m8 for i in ids), [i for i in ids if i not in m8]
    for opt in ("-c", "--check-config", "--version", "--help", "SIGHUP", "SIGTERM",
                "EXIT STATUS", "CLAIMD_SOURCE=", "MESSAGE_ID="):
        assert opt in m8, opt
    # The keys of struct cfg / struct cfg_source (include/claimd/config.h).
    hdr = (ROOT / "include/claimd/config.h").read_text()
    hdr = hdr[hdr.index("struct cfg_source {"):hdr.index("struct cfg_errors {")]
    fields = set(re.findall(r"^\s+[\w ]+?[\s*]+(\w+);", hdr, re.M))
    skip = {"path", "n_publish", "sources", "n_sources", "name", "file", "line"}
    keys = {re.sub(r"_ms$", "", f) for f in fields - skip}
    assert {"state_dir", "publish", "id_rule", "sndhwm"} <= keys
    missing = [k for k in sorted(keys) if not re.search(rf"^ {{7}}{k} = ", m5, re.M)]
    assert not missing, f"claimd.conf(5) does not document {missing}"
    for cmd in ("parse", "extract", "sub", "check", "SNAPSHOT", "sys/heartbeat"):
        assert cmd in m1, cmd


def test_installed_unit_verifies(dest, tmp_path):
    unit = (dest / "usr/lib/systemd/system/claimd.service").read_text()
    d = tmp_path / "units"
    d.mkdir()
    (d / "claimd.service").write_text(unit.replace("/usr/bin/claimd",
                                                   str(dest / "usr/bin/claimd")))
    shutil.copy(dest / "usr/lib/systemd/system/claimd.socket", d / "claimd.socket")
    env = dict(os.environ, MANPATH=str(dest / "usr/share/man"))
    r = run(["systemd-analyze", "verify", str(d / "claimd.service"), str(d / "claimd.socket")],
            env=env)
    assert r.returncode == 0 and r.stdout + r.stderr == "", r.stdout + r.stderr


def test_installed_catalog_compiles(dest, tmp_path):
    root = tmp_path / "root"
    shutil.copytree(dest / "usr/lib/systemd/catalog", root / "usr/lib/systemd/catalog")
    r = run(["journalctl", f"--root={root}", "--update-catalog"])
    assert r.returncode == 0 and r.stderr == "", r.stderr
    r = run(["journalctl", f"--root={root}", "--list-catalog"])
    ids = re.findall(r'"([0-9a-f]{32})"', (ROOT / "include/claimd/msgid.h").read_text())
    listed = {l.split()[0] for l in r.stdout.splitlines() if l.strip()}
    assert set(ids) <= listed


def test_reinstall_keeps_configuration_and_uninstall(tmp_path):
    need_binaries()
    d = tmp_path / "dest"
    assert make("install", f"DESTDIR={d}", "PREFIX=/usr").returncode == 0
    conf = d / "etc/claimd/claimd.conf"
    conf.write_text("# edited by the operator\n")
    files = lexicon_files()
    edited_lex = d / "etc/claimd/lexicon" / files[0] if files else None
    if edited_lex:
        edited_lex.write_text("# extended by the operator\n")
    r = make("install", f"DESTDIR={d}", "PREFIX=/usr")
    assert r.returncode == 0, r.stderr
    assert conf.read_text() == "# edited by the operator\n"
    if edited_lex:
        assert edited_lex.read_text() == "# extended by the operator\n"
    r = make("uninstall", f"DESTDIR={d}", "PREFIX=/usr")
    assert r.returncode == 0, r.stderr
    left = sorted(str(p.relative_to(d)) for p in d.rglob("*") if p.is_file())
    assert all(p.startswith("etc/claimd/") for p in left), left
    assert conf.read_text() == "# edited by the operator\n"


def test_prefix_and_sysconfdir_are_honoured(tmp_path):
    need_binaries()
    d = tmp_path / "dest"
    r = make("install", f"DESTDIR={d}", "PREFIX=/opt/claimd", "SYSCONFDIR=/opt/claimd/etc")
    assert r.returncode == 0, r.stderr
    unit = d / "opt/claimd/lib/systemd/system/claimd.service"
    assert re.search(r"^ExecStart=/opt/claimd/bin/claimd -c /opt/claimd/etc/claimd/claimd.conf$",
                     unit.read_text(), re.M)
    assert (d / "opt/claimd/bin/claimd").is_file()
    assert (d / "opt/claimd/etc/claimd/claimd.conf").is_file()
    assert (d / "opt/claimd/lib/systemd/catalog/claimd.catalog").is_file()
    assert (d / "opt/claimd/share/man/man8/claimd.8").is_file()
    assert not (d / "etc").exists() and not (d / "usr").exists()


def test_installed_configuration_is_for_production(dest):
    """No development paths: state in /var/lib/claimd (the unit's StateDirectory=), sources
    in sources.d, nothing relative that climbs out of /etc/claimd, no bundled sample."""
    conf = (dest / "etc/claimd/claimd.conf").read_text()
    settings = [l.split("#")[0].strip() for l in conf.splitlines()
                if l.strip() and not l.lstrip().startswith(("#", ";"))]
    assert settings == ["[claimd]", "include = sources.d/*.conf"], settings
    assert "../" not in conf and "file:" not in "\n".join(settings)
    assert re.search(r"^#state_dir = /var/lib/claimd$", conf, re.M)
    unit = (dest / "usr/lib/systemd/system/claimd.service").read_text()
    assert re.search(r"^StateDirectory=claimd$", unit, re.M)
    assert (dest / "etc/claimd/sources.d/00-example.conf").is_file()
    r = run([str(dest / "usr/bin/claimctl"), "check", "--keys"])
    assert re.search(r"state_dir\b.*/var/lib/claimd", r.stdout), r.stdout[:2000]


def test_installed_daemon_comes_up(dest, tmp_path):
    """The installed binary on the installed claimd.conf, unchanged: a drop-in in the
    installed sources.d rebases state_dir and the endpoints into tmp and adds a source on a
    local HTTP server; the lexicons are found in DESTDIR/usr/share/claimd/lexicon (the
    default /etc/claimd/lexicon is not there). It checks ok, comes up (READY=1), publishes
    an article that the installed claimctl receives, and stops cleanly."""
    import sys
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from conftest import HTTPServer, NotifySocket, free_port, wait_for
    from test_lose_nothing import write_feed
    www = tmp_path / "www"
    www.mkdir()
    write_feed(www / "feed.xml", 1, 2)
    srv = HTTPServer(www, tmp_path)
    conf = dest / "etc/claimd/claimd.conf"
    dropin = dest / "etc/claimd/sources.d/90-test.conf"
    pub, rep = "tcp://127.0.0.1:%d" % free_port(), "tcp://127.0.0.1:%d" % free_port()
    dropin.write_text("[claimd]\nstate_dir = %s\npublish = %s\nreplay = %s\nheartbeat = 200ms\n"
                      "\n[source local]\nurl = %s\ninterval = 1s\n"
                      % (tmp_path / "state", pub, rep, srv.url("feed.xml")))
    notify = NotifySocket(tmp_path / "notify")
    proc = None
    try:
        claimd = str(dest / "usr/bin/claimd")
        r = run([claimd, "--check-config", "-c", str(conf)])
        assert r.returncode == 0 and "ok (1 sources)" in r.stdout, r.stderr
        env = dict(os.environ, NOTIFY_SOCKET=str(tmp_path / "notify"))
        env.pop("JOURNAL_STREAM", None)
        err = open(tmp_path / "claimd.stderr", "w")
        proc = subprocess.Popen([claimd, "-c", str(conf)], env=env, stderr=err)
        wait_for(lambda: notify.has("READY=1") or proc.poll() is not None, what="READY=1")
        assert proc.poll() is None, (tmp_path / "claimd.stderr").read_text()
        r = run([str(dest / "usr/bin/claimctl"), "sub", "-C", "1", "-W", "20", "-t", "article/",
                 pub], timeout=30)
        assert r.returncode == 0, r.stderr
        assert '"source":"local"' in r.stdout
        log = (tmp_path / "claimd.stderr").read_text()
        assert "Lexicons from %s" % (dest / "usr/share/claimd/lexicon") in log, log
        proc.terminate()
        assert proc.wait(10) == 0
        proc = None
        assert (tmp_path / "state" / "claimd.db").is_file()
    finally:
        if proc:
            proc.kill()
        dropin.unlink()
        notify.close()
        srv.stop()
