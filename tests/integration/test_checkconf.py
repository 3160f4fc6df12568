"""test_checkconf.py — `claimd --check-config` and `claimctl check` report everything the
daemon would refuse at start, with file:line, and the daemon indeed refuses each case:

- a non-loopback publish or replay endpoint without CURVE keys (also set in a drop-in);
- a CURVE secret key file that cannot be read, or is not a key; a client keys directory
  that cannot be read;
- lexicons that are missing;
- a state directory that cannot be created (its parent is a file, or not writable for the
  user claimd runs as) or written;
- the README's own example configuration passes the check and claimd starts on it (the
  lexicons are found beside the binary when the default directory has none).

Run: /usr/bin/python3 -m pytest -q tests/integration/test_checkconf.py (after make all).
"""
import os
import pathlib
import shutil
import subprocess

import pytest

from conftest import CLAIMCTL, CLAIMD, ROOT, free_port

LEX = ROOT / "conf" / "lexicon"
# a valid Z85 secret key (zmq_curve_keypair output)
SECRET = "JTKVSB%%)wK0E.X)V>+}o?pNmC{O&4W4b!Ni{Lh6"


def conf(tmp, body, name="c.conf"):
    p = tmp / name
    p.write_text(body)
    return p


def base(tmp, **over):
    kv = {"state_dir": tmp / "state", "publish": "tcp://127.0.0.1:%d" % free_port(),
          "replay": "tcp://127.0.0.1:%d" % free_port(), "lexicon_dir": LEX}
    kv.update(over)
    return "[claimd]\n" + "".join("%s = %s\n" % (k, v) for k, v in kv.items() if v is not None) \
        + "\n[source a]\nurl = http://127.0.0.1:9/feed.xml\n"


def check_both(path, user=None):
    pre = ["runuser", "-u", user, "--"] if user else []
    a = subprocess.run(pre + [CLAIMD, "--check-config", "-c", str(path)], capture_output=True,
                       text=True, timeout=20)
    b = subprocess.run(pre + [CLAIMCTL, "check", str(path)], capture_output=True, text=True,
                       timeout=20)
    return a, b


def starts(path, user=None):
    """Whether claimd comes up on path (it is stopped again); else its stderr."""
    pre = ["runuser", "-u", user, "--"] if user else []
    p = subprocess.Popen(pre + [CLAIMD, "-c", str(path)], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)
    try:
        out, err = p.communicate(timeout=3)
        return False, err
    except subprocess.TimeoutExpired:
        p.terminate()
        out, err = p.communicate(timeout=10)
        return True, err


def refused(path, line_re, user=None):
    a, b = check_both(path, user)
    for r in (a, b):
        assert r.returncode == 1, (r.stdout, r.stderr)
        assert any(l.startswith(str(path)) or l.startswith(line_re.split(":")[0])
                   for l in r.stderr.splitlines()), r.stderr
    import re
    assert re.search(line_re, a.stderr), a.stderr
    assert re.search(line_re, b.stderr), b.stderr
    up, err = starts(path, user)
    assert not up, "claimd started on a configuration the check refused"
    return a.stderr


def test_good_config_passes_and_starts(tmp_path):
    p = conf(tmp_path, base(tmp_path))
    a, b = check_both(p)
    assert a.returncode == 0 and "ok (1 sources)" in a.stdout, a.stderr
    assert b.returncode == 0, b.stderr
    assert not (tmp_path / "state").exists(), "the check must not create the state directory"
    up, err = starts(p)
    assert up, err


def test_non_loopback_without_curve(tmp_path):
    p = conf(tmp_path, base(tmp_path, publish="tcp://0.0.0.0:%d" % free_port()))
    err = refused(p, r"c\.conf:3: key 'publish': tcp://0\.0\.0\.0:\d+ is not on loopback")
    assert "curve_secret_key_file" in err
    p = conf(tmp_path, base(tmp_path, replay="tcp://*:%d" % free_port()))
    refused(p, r"c\.conf:4: key 'replay': tcp://\*:\d+ is not on loopback")
    # set in a drop-in: the drop-in's file and line
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "10-net.conf").write_text("# net\n[claimd]\n\npublish = tcp://10.1.2.3:5556\n")
    p = conf(tmp_path, base(tmp_path) + "")
    p.write_text(p.read_text().replace("[source a]", "include = d/*.conf\n\n[source a]", 1))
    refused(p, r"d/10-net\.conf:4: key 'publish': tcp://10\.1\.2\.3:5556 is not on loopback")


def test_curve_key_files(tmp_path):
    keys = tmp_path / "clients"
    keys.mkdir()
    good = tmp_path / "server.key"
    good.write_text(SECRET + "\n")
    bad = tmp_path / "bad.key"
    bad.write_text("not a key\n")
    ep = "tcp://0.0.0.0:%d" % free_port()
    extra = "curve_secret_key_file = %s\ncurve_client_keys_dir = %s\n"
    p = conf(tmp_path, base(tmp_path, publish=ep) + "")
    p.write_text(p.read_text().replace("\n[source a]", extra % (bad, keys) + "\n[source a]"))
    refused(p, r"c\.conf:6: key 'curve_secret_key_file': cannot read CURVE secret key .*bad\.key: "
               r"not a key")
    p.write_text(p.read_text().replace(str(bad), str(tmp_path / "missing.key")))
    refused(p, r"c\.conf:6: key 'curve_secret_key_file': .*missing\.key: No such file")
    p.write_text(p.read_text().replace(str(tmp_path / "missing.key"), str(good))
                 .replace(str(keys), str(tmp_path / "no-such-dir")))
    refused(p, r"c\.conf:7: key 'curve_client_keys_dir': cannot read .*no-such-dir")
    # with both keys right, the check passes and claimd starts on 0.0.0.0
    p.write_text(p.read_text().replace(str(tmp_path / "no-such-dir"), str(keys)))
    a, b = check_both(p)
    assert a.returncode == 0 and b.returncode == 0, a.stderr + b.stderr
    up, err = starts(p)
    assert up, err


def test_missing_lexicons(tmp_path):
    p = conf(tmp_path, base(tmp_path, lexicon_dir=tmp_path / "nolex"))
    refused(p, r"c\.conf:5: key 'lexicon_dir': cannot load the lexicons: .*nolex/cues\.txt")
    part = tmp_path / "partial"
    shutil.copytree(LEX, part)
    (part / "hedges.txt").unlink()
    p = conf(tmp_path, base(tmp_path, lexicon_dir=part))
    refused(p, r"c\.conf:5: key 'lexicon_dir': cannot load the lexicons: .*hedges\.txt")


def test_state_dir(tmp_path):
    (tmp_path / "afile").write_text("x")
    p = conf(tmp_path, base(tmp_path, state_dir=tmp_path / "afile" / "state"))
    refused(p, r"c\.conf:2: key 'state_dir': .*afile/state: Not a directory")


@pytest.mark.skipif(os.geteuid() != 0 or not shutil.which("runuser"),
                    reason="needs root to run the check as another user")
def test_state_dir_not_writable_for_the_user():
    import tempfile
    top = pathlib.Path(tempfile.mkdtemp(prefix="claimd-check-"))
    try:
        os.chmod(top, 0o755)
        locked = top / "locked"
        locked.mkdir(mode=0o755)
        for sub, why in ((locked / "state", "cannot create"), (locked, "cannot write to")):
            p = conf(top, base(top, state_dir=sub))
            os.chmod(p, 0o644)
            refused(p, r"c\.conf:2: key 'state_dir': %s .*Permission denied" % why,
                    user="nobody")
    finally:
        shutil.rmtree(top)


def test_readme_example_config(tmp_path):
    """The INI block of the README's Configuration section, as written (ports moved)."""
    text = (ROOT / "README.md").read_text()
    block = text.split("```ini\n", 1)[1].split("```", 1)[0]
    assert "[claimd]" in block and "[source apnews]" in block
    block = block.replace("/var/lib/claimd", str(tmp_path / "state"))
    block = block.replace("5556", str(free_port())).replace("5557", str(free_port()))
    p = conf(tmp_path, block)
    a, b = check_both(p)
    assert a.returncode == 0, a.stderr
    assert b.returncode == 0, b.stderr
    up, err = starts(p)
    assert up, err
