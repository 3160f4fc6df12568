"""Claims across sources through the real daemon: a local HTTP server serves the feeds of
three outlets telling the same event in their own words (one with another death toll); a
real ZeroMQ subscriber receives cluster/<id> updates with members from all three sources
and a quantity contradiction, valid against claimd.cluster/1; the updates are journalled
(replay), and a restart rebuilds the clusters from the state database without publishing
them again, so a new claim joins the cluster it belongs to."""
import time

from conftest import replay, validate, wait_for


def rss(outlet, items):
    out = ['<?xml version="1.0" encoding="UTF-8"?>',
           '<rss version="2.0"><channel><title>%s</title><link>http://127.0.0.1/%s/</link>'
           '<description>news</description>' % (outlet, outlet)]
    for guid, title, date, paras in items:
        body = "".join("&lt;p&gt;%s&lt;/p&gt;" % p for p in paras)
        out.append("<item><title>%s</title><link>http://127.0.0.1/%s/%s</link>"
                   '<guid isPermaLink="false">%s</guid><pubDate>%s</pubDate>'
                   "<description>%s</description></item>" % (title, outlet, guid, guid, date, body))
    out.append("</channel></rss>")
    return "\n".join(out)


DAY = "Tue, 10 Mar 2026 12:00:00 +0000"
NEXT = "Wed, 11 Mar 2026 12:00:00 +0000"

FEEDS = {
    "northwire": [("nw-1", "Earthquake in southern Peru", DAY, [
        "A magnitude 6.8 earthquake struck southern Peru on Monday, the country's geophysical institute said.",
        "At least 14 people were killed in the quake, Prime Minister Alberto Quispe told reporters in Lima.",
    ])],
    "capitalpost": [("cp-1", "Peru quake kills 14", DAY, [
        "A powerful earthquake killed at least 14 people in southern Peru on Monday, Prime Minister Alberto Quispe said.",
        "The 6.8 magnitude quake struck southern Peru on Monday, the geophysical institute said.",
    ])],
    "meridian": [("md-1", "Peru earthquake toll rises", NEXT, [
        "At least 23 people died after a strong earthquake hit southern Peru, the country's health ministry said on Tuesday.",
        "The earthquake, which measured 6.8, struck southern Peru on Monday, the geophysical institute reported.",
    ])],
}


def write_feeds(httpd, feeds):
    for name, items in feeds.items():
        (httpd.root / ("%s.xml" % name)).write_text(rss(name, items))


def clusters(msgs):
    return [b for t, b, _ in msgs if t.startswith("cluster/")]


def test_clusters_across_three_sources(httpd, daemons, sub_factory):
    # a fourth outlet, silent until after the restart
    d = daemons({n: httpd.url("%s.xml" % n) for n in list(FEEDS) + ["ledger"]})
    (httpd.root / "ledger.xml").write_text(rss("ledger", []))
    sub = sub_factory(d.publish, ("cluster/", "claim/", "sys/heartbeat"))
    d.start()
    sub.collect(lambda m: any(t == "sys/heartbeat" for t, _, _ in m), what="a heartbeat")
    write_feeds(httpd, FEEDS)

    def three_sources(m):
        return any(b["n_sources"] == 3 for b in clusters(m))

    def contradiction(m):
        return any(x["rule"] == "quantity" for b in clusters(m) for x in b["contradictions"])

    sub.collect(lambda m: three_sources(m) and contradiction(m), timeout=20,
                what="a cluster with 3 sources and a quantity contradiction")
    ups = clusters(sub.msgs)
    for t, b, _ in sub.msgs:
        if t.startswith("cluster/"):
            validate(b)
            assert t == "cluster/" + b["cluster"]
        if t.startswith("claim/"):
            validate(b)
            assert b["proposition"] and b["proposition"] in b["sentence"]
    quake = [b for b in ups if b["n_sources"] == 3][-1]
    assert sorted(quake["sources"]) == ["capitalpost", "meridian", "northwire"]
    assert {m["source"] for m in quake["members"]} == set(FEEDS)
    assert "6.8" in quake["proposition"] and quake["predicate"] == "attack"
    # the death tolls: 14 (two outlets) against 23, linked both ways with the rule
    toll = [b for b in ups if any(x["rule"] == "quantity" for x in b["contradictions"])]
    props = {b["cluster"]: b for b in toll}
    assert len(props) == 2, [b["proposition"] for b in toll]
    a, b = props.values()
    assert {x["cluster"] for x in a["contradictions"]} == {b["cluster"]}
    assert {x["cluster"] for x in b["contradictions"]} == {a["cluster"]}
    fourteen = [c for c in toll if c["n_sources"] == 2][-1]
    assert {m["source"] for m in fourteen["members"]} == {"northwire", "capitalpost"}
    # versions grow with every update of a cluster, and every update is journalled
    for cid in {b["cluster"] for b in ups}:
        vs = [b["version"] for b in ups if b["cluster"] == cid]
        assert vs == sorted(set(vs))
    journalled, end = replay(d.replay, "cluster/", 0)
    assert end[0] == "END"
    assert [b["id"] for _, b, _ in journalled] == [b["id"] for b in ups]

    # restart: nothing is republished, and the clusters come back from the state database
    assert d.stop() == 0
    n_before = len(journalled)
    d.start()
    sub2 = sub_factory(d.publish, ("cluster/", "sys/heartbeat"))
    sub2.collect(lambda m: any(t == "sys/heartbeat" for t, _, _ in m), what="a heartbeat")
    time.sleep(2.5)  # two more polls of unchanged feeds
    sub2.poll(0.2)
    assert clusters(sub2.msgs) == [], "cluster updates were republished after a restart"
    assert len(replay(d.replay, "cluster/", 0)[0]) == n_before
    # a fourth outlet's copy joins the 3-source cluster: same id, a later version
    feeds = dict(FEEDS)
    feeds["ledger"] = [("lg-1", "Peru quake: rescue goes on", NEXT, [
        "The 6.8 magnitude earthquake struck southern Peru on Monday, the geophysical institute said.",
    ])]
    write_feeds(httpd, feeds)
    sub2.collect(lambda m: any(b["cluster"] == quake["cluster"] for b in clusters(m)), timeout=20,
                 what="an update of the quake cluster after the restart")
    again = [b for b in clusters(sub2.msgs) if b["cluster"] == quake["cluster"]][0]
    assert again["version"] > quake["version"]
    assert again["n_members"] == quake["n_members"] + 1
    assert again["n_sources"] == 4 and "ledger" in again["sources"]
    assert again["change"]["rule"] == "same-proposition"
    assert d.stop() == 0


def test_claimctl_cluster_bad_input(tmp_path):
    """claimctl cluster: a missing file, a binary file and lines that are not claims each get
    a clear error and exit status 1, and everything else is still clustered."""
    import json
    import subprocess
    from conftest import CLAIMCTL, ROOT
    good = tmp_path / "good.txt"
    good.write_text("Published: 2026-03-10T12:00:00Z\n\n"
                    "A magnitude 6.8 earthquake struck southern Peru on Monday, the institute said.\n")
    binary = tmp_path / "binary.txt"
    binary.write_bytes(b"URL: https://x.example/2026/03/10/a\n\nabc\0def\n")
    r = subprocess.run([CLAIMCTL, "cluster", str(good), str(tmp_path / "missing.txt"), str(binary)],
                       capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert r.returncode == 1
    assert "missing.txt: No such file or directory, skipping" in r.stderr
    assert "binary.txt: binary input (NUL byte), skipping" in r.stderr
    out = [json.loads(l) for l in r.stdout.splitlines()]
    assert len(out) == 1 and out[0]["members"][0]["source"] == "good"
    assert "6.8" in out[0]["proposition"]
    claims = tmp_path / "claims.jsonl"
    claims.write_text('not json\n{"id": "x"}\n' + json.dumps({
        "id": "c1", "source": "s", "sentence": "Kestrel shares fell 3 percent.", "stance": "assert",
        "quantities": [], "entities": [], "time": []}) + "\n")
    r = subprocess.run([CLAIMCTL, "cluster", "--claims", str(claims)], capture_output=True, text=True,
                       timeout=60)
    assert r.returncode == 1
    assert "claims.jsonl:1: not a claim" in r.stderr and "claims.jsonl:2: not a claim" in r.stderr
    out = [json.loads(l) for l in r.stdout.splitlines()]
    assert [c["members"][0]["claim_id"] for c in out] == ["c1"]
    assert out[0]["predicate"] == "fall"
    r = subprocess.run([CLAIMCTL, "cluster", "--window", "soon", str(good)], capture_output=True,
                       text=True, timeout=60)
    assert r.returncode == 2 and "--window" in r.stderr


def test_cluster_schema_rejects_wrong_bodies(httpd, daemons):
    """A real cluster body validates; each mutation of it is rejected by claimd.cluster/1."""
    import copy
    from conftest import load_schemas
    import jsonschema
    d = daemons({n: httpd.url("%s.xml" % n) for n in FEEDS})
    write_feeds(httpd, FEEDS)
    d.start()
    msgs = wait_for(lambda: (lambda m: m if any(b["contradictions"] for _, b, _ in m) else None)(
        replay(d.replay, "cluster/", 0)[0]), timeout=20, what="a cluster with a contradiction")
    good = [b for _, b, _ in msgs if b["contradictions"]][-1]
    sch = [s for s in load_schemas().values() if s.get("title") == "claimd.cluster/1"][0]
    jsonschema.validate(good, sch)
    for path, value in [(("schema",), "claimd.cluster/2"), (("id",), "x"), (("version",), 0),
                        (("n_sources",), 0), (("members",), None), (("change", "rule"), "maybe"),
                        (("contradictions", 0, "rule"), "vibes"), (("cluster",), "ABC"),
                        (("updated_at",), "yesterday"), (("surprise",), 1),
                        (("members", 0, "stance"), "shrug")]:
        b = copy.deepcopy(good)
        node = b
        for k in path[:-1]:
            node = node[k]
        node[path[-1]] = value
        try:
            jsonschema.validate(b, sch)
        except jsonschema.ValidationError:
            continue
        raise AssertionError("accepted: %s = %r" % (path, value))
    assert d.stop() == 0
