"""test_sub.py — `claimctl sub` with the habits of mosquitto_sub and journalctl, against the
real daemon polling a real local HTTP server.

- by default it looks back (the last 10 retained messages), so the README's quick start
  shows something whether sub starts before or after the daemon; -n N is the last N, -n 0
  only what is new;
- -t is a topic (repeatable), -v prints the topic first, -C N exits 0 after N messages,
  -W S exits 27 when S seconds pass, heartbeats are hidden unless asked for;
- -F json|pretty|text, --since GSEQ|DURATION|DATE, --source and --stance filters;
- a dead endpoint is an error message and exit 1; usage errors exit 2.

Run: /usr/bin/python3 -m pytest -q tests/integration/test_sub.py (after make all).
"""
import json
import re
import subprocess
import time

from conftest import CLAIMCTL, free_port, replay, wait_for
from test_lose_nothing import write_feed


def sub(*args, timeout=30):
    return subprocess.run([CLAIMCTL, "sub", *args], capture_output=True, text=True,
                          timeout=timeout)


def lines(p):
    return [json.loads(l) for l in p.stdout.splitlines()]


def started(httpd, daemons, n=3, sources=("live",)):
    for s in sources:
        write_feed(httpd.root / ("%s.xml" % s), 1, n)
    d = daemons({s: httpd.url("%s.xml" % s) for s in sources})
    d.start()
    wait_for(lambda: len(replay(d.replay, "article/", 0)[0]) >= n * len(sources),
             what="articles journalled")
    return d


def journal(d, prefix=""):
    return [(t, b, s) for t, b, s in replay(d.replay, prefix, 0)[0] if t != "sys/heartbeat"]


def test_default_looks_back_ten(httpd, daemons):
    d = started(httpd, daemons)
    # the README's quick start: sub after the daemon published shows what it published
    p = sub("-W", "3", d.publish, "article/", "claim/")
    assert p.returncode == 27, p.stderr
    got = lines(p)
    want = [b["gseq"] for t, b, _ in journal(d) if t.startswith(("article/", "claim/"))][-10:]
    assert [l["gseq"] for l in got] == want
    assert all(l["topic"].startswith(("article/", "claim/")) for l in got)


def test_lines_n_and_zero(httpd, daemons):
    d = started(httpd, daemons)
    arts = [b["gseq"] for t, b, _ in journal(d, "article/")]
    p = sub("-n", "2", "-C", "2", "-t", "article/", d.publish)
    assert p.returncode == 0, p.stderr
    assert [l["gseq"] for l in lines(p)] == arts[-2:]
    # -n 0: only what is new; a new item shows up, nothing old does
    proc = subprocess.Popen([CLAIMCTL, "sub", "-n", "0", "-C", "1", "-W", "20", "-t",
                             "article/", d.publish], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    time.sleep(1.0)
    write_feed(httpd.root / "live.xml", 1, 4)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    got = [json.loads(l) for l in out.splitlines()]
    assert len(got) == 1 and got[0]["gseq"] > max(arts)
    assert got[0]["body"]["title"].startswith("Report 4")


def test_started_before_the_daemon(httpd, daemons):
    write_feed(httpd.root / "live.xml", 1, 3)
    d = daemons({"live": httpd.url("live.xml")})
    proc = subprocess.Popen([CLAIMCTL, "sub", "-C", "3", "-W", "20", "-t", "article/",
                             d.publish], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    time.sleep(0.5)
    d.start()
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    assert len({json.loads(l)["body"]["id"] for l in out.splitlines()}) == 3


def test_topics_verbose_and_heartbeats(httpd, daemons):
    d = started(httpd, daemons)
    p = sub("--since", "0", "-W", "2", "-v", "-t", "article/", "-t", "sys/source/", d.publish)
    assert p.returncode == 27, p.stderr
    topics = set()
    for l in p.stdout.splitlines():
        topic, body = l.split(" ", 1)
        assert json.loads(body)["topic"] == topic
        topics.add(topic.split("/")[0] + "/" + topic.split("/")[1] if topic.startswith("sys/")
                   else topic.split("/")[0])
    assert topics == {"article", "sys/source"}, topics
    # no topic: everything but heartbeats, which come only when asked for
    p = sub("--since", "0", "-W", "1.5", d.publish)
    assert p.returncode == 27
    assert lines(p) and not any(l["topic"] == "sys/heartbeat" for l in lines(p))
    p = sub("--heartbeat", "-n", "0", "-C", "1", d.publish)
    assert p.returncode == 0, p.stderr
    assert lines(p)[0]["topic"] == "sys/heartbeat"
    p = sub("-n", "0", "-C", "1", "-t", "sys/heartbeat", d.publish)
    assert p.returncode == 0 and lines(p)[0]["body"]["schema"] == "claimd.heartbeat/1"


def test_count_and_timeout(httpd, daemons):
    d = started(httpd, daemons)
    t0 = time.monotonic()
    p = sub("-W", "1", "--since", "0", "-t", "nothing/", d.publish)
    assert p.returncode == 27 and p.stdout == ""
    assert 0.9 <= time.monotonic() - t0 < 5
    p = sub("-C", "5", "-W", "1", "--since", "0", "-t", "article/", d.publish)
    assert p.returncode == 27 and "timed out after 3 of 5" in p.stderr
    p = sub("-C", "1", "--since", "0", d.publish)
    assert p.returncode == 0 and len(lines(p)) == 1


def test_dead_endpoint():
    ep = "tcp://127.0.0.1:%d" % free_port()
    t0 = time.monotonic()
    p = sub(ep, "claim/")
    assert p.returncode == 1
    assert ep in p.stderr and "does not answer" in p.stderr
    assert time.monotonic() - t0 < 8
    p = sub("-W", "1", ep)
    assert p.returncode == 1 and "does not answer" in p.stderr
    p = sub("ipc:///nonexistent/claimd.sock")
    assert p.returncode == 1 and "does not answer" in p.stderr


def test_formats(httpd, daemons):
    d = started(httpd, daemons)
    p = sub("-F", "text", "--since", "0", "-W", "2", "-t", "article/", "-t", "claim/", d.publish)
    assert p.returncode == 27
    out = p.stdout.splitlines()
    arts = [l for l in out if " article " in l]
    claims = [l for l in out if " article " not in l]
    assert len(arts) == 3 and claims
    line = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d live (article |assert |deny |allege |"
                      r"speculate)\s*\S.*")
    assert all(line.match(l) for l in out), out
    assert any(re.search(r" deny +[^:]+: The mayor denied", l) for l in claims), claims
    assert any(l.endswith("Report 3: officials say 30 people were evacuated") for l in arts)
    p = sub("-F", "pretty", "--since", "0", "-C", "2", "-t", "article/", d.publish)
    assert p.returncode == 0
    dec, docs, s = json.JSONDecoder(), [], p.stdout
    i = 0
    while s[i:].strip():
        while s[i].isspace():
            i += 1
        doc, i = dec.raw_decode(s, i)
        docs.append(doc)
    assert len(docs) == 2 and "\n  \"topic\"" in p.stdout
    assert docs[0]["body"]["schema"] == "claimd.article/1"


def test_since_forms(httpd, daemons):
    d = started(httpd, daemons)
    everything = [b["gseq"] for t, b, _ in journal(d, "article/")]
    for since in ("0", "1h", "2d", "2020-01-01", "2020-01-01T00:00:00Z"):
        p = sub("--since", since, "-W", "1.5", "-t", "article/", d.publish)
        assert p.returncode == 27, (since, p.stderr)
        assert [l["gseq"] for l in lines(p)] == everything, since
    p = sub("--since", str(everything[0]), "-W", "1.5", "-t", "article/", d.publish)
    assert [l["gseq"] for l in lines(p)] == everything[1:]
    p = sub("--since", "2099-01-01", "-W", "1.5", d.publish)
    assert p.returncode == 27 and p.stdout == ""
    # a duration: what was emitted in the last 2 s, not what came 4 s ago
    time.sleep(4)
    write_feed(httpd.root / "live.xml", 1, 4)
    wait_for(lambda: len(journal(d, "article/")) == 4, what="a 4th article")
    p = sub("--since", "2s", "-W", "1.5", "-t", "article/", d.publish)
    got = lines(p)
    assert len(got) == 1 and got[0]["body"]["title"].startswith("Report 4"), got


def test_source_and_stance_filters(httpd, daemons):
    d = started(httpd, daemons, sources=("alpha", "beta"))
    p = sub("--since", "0", "-W", "2", "--source", "beta", d.publish)
    got = lines(p)
    assert got and {l["body"]["source"] for l in got} == {"beta"}
    assert {l["topic"].split("/")[0] for l in got} >= {"article", "claim"}
    p = sub("--since", "0", "-W", "2", "--stance", "deny", d.publish)
    got = lines(p)
    assert got and all(l["topic"].startswith("claim/") for l in got)
    assert {l["body"]["stance"] for l in got} == {"deny"}
    want = [b["gseq"] for t, b, _ in journal(d, "claim/") if b["stance"] == "deny"]
    assert [l["gseq"] for l in got] == want
    p = sub("--since", "0", "-W", "2", "--stance", "deny", "--stance", "assert",
            "--source", "alpha", d.publish)
    assert {(l["body"]["source"], l["body"]["stance"]) for l in lines(p)} <= \
        {("alpha", "deny"), ("alpha", "assert")}


def test_usage_errors():
    for args in (["-F", "yaml", "tcp://127.0.0.1:1"], ["--stance", "maybe", "tcp://x:1"],
                 ["-n", "5", "--since", "0", "tcp://x:1"], ["-C", "0", "tcp://x:1"],
                 ["-W", "soon", "tcp://x:1"], ["--since", "whenever", "tcp://x:1"], []):
        p = sub(*args)
        assert p.returncode == 2, (args, p.stderr)
        assert p.stderr.strip(), args
    p = sub("--help")
    assert p.returncode == 0 and "-W, --timeout" in p.stdout
