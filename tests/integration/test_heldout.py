"""tests/heldout.py (the held-out claim set's spans) and tests/eval_heldout.sh, on a made-up
truth.json in a temporary ../shared, and the real set when ../shared/pages is there."""
import hashlib
import json
import os
import shutil
import subprocess

import pytest

from conftest import CLAIMCTL, PY, ROOT, SHARED

HELDOUT = str(ROOT / "tests" / "heldout.py")
EVAL = str(ROOT / "tests" / "eval_heldout.sh")

BODY_A = ("Storm hits the coast\n\n"
          "The regional ministry said on Monday that 200 people were evacuated from the town. "
          "Officials in France said the river rose by 2 metres.\n\n"
          "The ministry denied reports that the dam had failed. It said the dam was inspected.\n")
BODY_B = ("Council votes\n\n"
          "The city council approved a budget of $5 million on Tuesday. "
          "The mayor said the vote was close.\n")


def split_of(pid):
    return "dev" if int(hashlib.sha256(pid.encode()).hexdigest(), 16) % 2 == 0 else "test"


def page_ids():
    """One made-up page id in each split (64 hex digits, none a wire prefix)."""
    found = {}
    n = 0
    while len(found) < 2:
        pid = hashlib.sha256(b"heldout-test-%d" % n).hexdigest()
        found.setdefault(split_of(pid), pid)
        n += 1
    return found["dev"], found["test"]


DEV, TEST = page_ids()


@pytest.fixture
def shared(tmp_path):
    s = tmp_path / "shared"
    (s / "pages").mkdir(parents=True)
    truth = {DEV: {"url": "https://news.example/2019/11/4/storm", "articleBody": BODY_A},
             TEST: {"url": "https://news.example/council", "articleBody": BODY_B}}
    (s / "pages" / "truth.json").write_text(json.dumps(truth), encoding="utf-8")
    fx = tmp_path / "fixtures"
    fx.mkdir()
    return s, fx


def run(args, fx, **kw):
    env = dict(os.environ, HELDOUT_FIXTURES=str(fx))
    env.update(kw.pop("env", {}))
    return subprocess.run([PY, HELDOUT] + args, capture_output=True, text=True, env=env, **kw)


def text_form(tmp_path, recs):
    p = tmp_path / "text.jsonl"
    p.write_text("".join(json.dumps(r) + "\n" for r in recs), encoding="utf-8")
    return str(p)


def encode(shared, tmp_path, pid, recs):
    s, fx = shared
    r = run(["encode", "--shared", str(s), pid, text_form(tmp_path, recs)], fx)
    return r


CLAIM_A = {"sentence": "The regional ministry said on Monday that 200 people were evacuated from the town.",
           "speaker": "The regional ministry", "cue": "said", "stance": "assert",
           "quantities": [{"text": "200 people", "value": 200, "qualifier": None, "unit": "people"}],
           "entities": [], "time": ["Monday"]}


def test_encode_gives_spans_into_the_body(shared, tmp_path):
    r = encode(shared, tmp_path, DEV[:12], [CLAIM_A])
    assert r.returncode == 0, r.stderr
    c = json.loads(r.stdout)
    assert c["article"] == DEV
    assert BODY_A[slice(*c["sentence"])] == CLAIM_A["sentence"]
    assert BODY_A[slice(*c["speaker"])] == "The regional ministry"
    assert BODY_A[slice(*c["quantities"][0]["text"])] == "200 people"
    assert BODY_A[slice(*c["time"][0])] == "Monday"
    assert c["sentence"][0] <= c["cue"][0] < c["cue"][1] <= c["sentence"][1]


def test_encode_resolves_a_pronoun_speaker_to_the_nearest_antecedent(shared, tmp_path):
    rec = {"sentence": "It said the dam was inspected.", "speaker": "The ministry", "cue": "said",
           "stance": "assert", "quantities": [], "entities": [], "time": []}
    r = encode(shared, tmp_path, DEV, [rec])
    assert r.returncode == 0, r.stderr
    c = json.loads(r.stdout)
    # "The ministry" of the sentence before, not a later or earlier copy
    assert c["speaker"] == [BODY_A.index("The ministry denied"), BODY_A.index("The ministry denied") + 12]


def test_encode_keeps_countries_as_strings_and_other_entities_as_spans(shared, tmp_path):
    rec = {"sentence": "Officials in France said the river rose by 2 metres.", "speaker": "Officials in France",
           "cue": "said", "stance": "assert", "entities": ["France", "river"],
           "quantities": [{"text": "2 metres", "value": 2, "qualifier": None, "unit": "metres"}], "time": []}
    r = encode(shared, tmp_path, DEV, [rec])
    assert r.returncode == 0, r.stderr
    ents = json.loads(r.stdout)["entities"]
    assert ents[0] == "France"
    assert BODY_A[slice(*ents[1])] == "river"


def test_encode_fails_loudly_on_a_missing_or_ambiguous_string(shared, tmp_path):
    missing = dict(CLAIM_A, cue="announced")
    r = encode(shared, tmp_path, DEV, [missing])
    assert r.returncode == 1 and "cue 'announced' not found" in r.stderr and r.stdout == ""
    twice = dict(CLAIM_A, sentence="The ministry denied reports that the dam had failed.", speaker=None,
                 cue="denied", stance="deny", quantities=[], time=[])
    ok = encode(shared, tmp_path, DEV, [dict(twice, cue="denied")])
    assert ok.returncode == 0, ok.stderr
    amb = encode(shared, tmp_path, DEV, [dict(twice, sentence="the dam", cue=None)])
    assert amb.returncode == 1 and "sentence 'the dam' found 2 times" in amb.stderr
    bad_stance = encode(shared, tmp_path, DEV, [dict(CLAIM_A, stance="claims")])
    assert bad_stance.returncode == 1 and "stance" in bad_stance.stderr


def test_encode_nth_picks_one_occurrence(shared, tmp_path):
    rec = dict(CLAIM_A, sentence="The ministry denied reports that the dam had failed.", speaker=None,
               cue="denied", stance="deny", quantities=[], time=[], entities=[{"text": "the dam", "nth": 1}])
    r = encode(shared, tmp_path, DEV, [rec])
    assert r.returncode == 0, r.stderr
    e = json.loads(r.stdout)["entities"][0]
    assert BODY_A[slice(*e)] == "the dam"


def at(text):
    """The span of text in BODY_A (once there)."""
    i = BODY_A.index(text)
    return [i, i + len(text)]


def write_fixture(fx, pid, claims):
    (fx / (pid + ".jsonl")).write_text("".join(json.dumps(c) + "\n" for c in claims), encoding="utf-8")


def good_claim(shared, tmp_path):
    r = encode(shared, tmp_path, DEV, [CLAIM_A])
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


def test_check_counts_each_split(shared, tmp_path):
    s, fx = shared
    write_fixture(fx, DEV, [good_claim(shared, tmp_path)])
    write_fixture(fx, TEST, [])  # an article with no claim counts too
    r = run(["check", str(s)], fx)
    assert r.returncode == 0, r.stderr
    assert "dev: 1 articles, 1 claims (0 optional)" in r.stdout
    assert "test: 1 articles, 0 claims (0 optional)" in r.stdout


@pytest.mark.parametrize("change,message", [
    (lambda c: c.update(sentence=[c["sentence"][0] + 4, c["sentence"][1]]), "sentence boundary"),
    (lambda c: c.update(sentence=[0, 10 ** 6]), "outside"),
    (lambda c: c.update(cue=[0, 5]), "cue"),
    (lambda c: c.update(time=[at("on Monday")]), "leading preposition"),
    (lambda c: c.update(speaker=at("on Monday that")), "not a noun phrase"),
    (lambda c: c.update(stance="maybe"), "stance"),
    (lambda c: c.update(entities=["Atlantis"]), "country"),
    (lambda c: c.update(colour="red"), "unknown fields"),
    (lambda c: c.update(article="someone-else"), "file's id"),
    (lambda c: c["quantities"][0].update(value="200"), "number"),
])
def test_check_rejects_bad_records(shared, tmp_path, change, message):
    s, fx = shared
    c = good_claim(shared, tmp_path)
    change(c)
    write_fixture(fx, DEV, [c])
    r = run(["check", str(s)], fx)
    assert r.returncode == 1
    assert message in r.stderr, r.stderr


def test_check_rejects_a_wire_page_and_an_unknown_page(shared, tmp_path):
    s, fx = shared
    truth = json.loads((s / "pages" / "truth.json").read_text())
    wire = "06e5123e4ef7" + "0" * 52
    truth[wire] = {"url": "u", "articleBody": "x"}
    (s / "pages" / "truth.json").write_text(json.dumps(truth))
    write_fixture(fx, wire, [])
    write_fixture(fx, "f" * 64, [])
    r = run(["check", str(s)], fx)
    assert r.returncode == 1
    assert "a wire page" in r.stderr and "no page" in r.stderr


def test_decode_writes_bodies_dates_and_string_gold(shared, tmp_path):
    s, fx = shared
    write_fixture(fx, DEV, [good_claim(shared, tmp_path)])
    write_fixture(fx, TEST, [])
    out = tmp_path / "out"
    r = run(["decode", str(s), str(out)], fx)
    assert r.returncode == 0, r.stderr
    assert (out / "dev" / (DEV + ".txt")).read_text(encoding="utf-8") == BODY_A
    assert (out / "dev" / (DEV + ".published")).read_text().strip() == "2019-11-04T12:00:00Z"
    assert not (out / "test" / (TEST + ".published")).exists()
    gold = [json.loads(l) for l in (out / "dev.gold.jsonl").read_text(encoding="utf-8").splitlines()]
    assert gold[0]["sentence"] == CLAIM_A["sentence"] and gold[0]["speaker"] == "The regional ministry"
    assert gold[0]["quantities"][0]["text"] == "200 people" and gold[0]["time"] == ["Monday"]
    assert (out / "test.gold.jsonl").read_text() == ""
    only = tmp_path / "only"
    assert run(["decode", "--split", "test", str(s), str(only)], fx).returncode == 0
    assert not (only / "dev").exists() and (only / "test" / (TEST + ".txt")).exists()


def test_eval_heldout_skips_without_pages(tmp_path):
    r = subprocess.run(["sh", EVAL, str(tmp_path / "nowhere")], capture_output=True, text=True,
                       env=dict(os.environ, CLAIMCTL=CLAIMCTL))
    assert r.returncode == 0
    assert r.stdout.startswith("heldout: skipped")


def eval_env(fx):
    return dict(os.environ, CLAIMCTL=CLAIMCTL, HELDOUT_FIXTURES=str(fx))


@pytest.mark.skipif(not (SHARED / "fixtures" / "score_claims.py").exists(), reason="needs ../shared scorer")
def test_eval_heldout_scores_both_splits_and_keeps_a_floor(shared, tmp_path):
    s, fx = shared
    (s / "fixtures").mkdir()
    shutil.copy(SHARED / "fixtures" / "score_claims.py", s / "fixtures" / "score_claims.py")
    write_fixture(fx, DEV, [good_claim(shared, tmp_path)])
    rec_b = {"sentence": "The city council approved a budget of $5 million on Tuesday.", "speaker": None,
             "cue": None, "stance": "assert", "entities": [], "time": ["Tuesday"],
             "quantities": [{"text": "$5 million", "value": 5000000, "qualifier": None, "unit": "USD"}]}
    r = encode(shared, tmp_path, TEST, [rec_b])
    assert r.returncode == 0, r.stderr
    (fx / (TEST + ".jsonl")).write_text(r.stdout, encoding="utf-8")
    out = subprocess.run(["sh", EVAL, str(s)], capture_output=True, text=True, env=eval_env(fx))
    assert out.returncode == 0, out.stdout + out.stderr
    lines = out.stdout.splitlines()
    assert any(l.startswith("dev: recall ") for l in lines), out.stdout
    test = [l for l in lines if l.startswith("test: recall ")]
    assert test and "targets exact >= 0.75, speaker >= 0.88, stance >= 0.88" in test[0]
    # gold on sentences no extractor would take (a headline): recall 0, below the floor
    head = {"sentence": "Council votes", "speaker": None, "cue": None, "stance": "assert",
            "quantities": [], "entities": [], "time": []}
    r = encode(shared, tmp_path, TEST, [head])
    assert r.returncode == 0, r.stderr
    (fx / (TEST + ".jsonl")).write_text(r.stdout, encoding="utf-8")
    out = subprocess.run(["sh", EVAL, str(s)], capture_output=True, text=True, env=eval_env(fx))
    assert out.returncode == 1
    assert "test: below the floor" in out.stdout


def test_eval_heldout_fails_on_a_bad_gold_file(shared, tmp_path):
    s, fx = shared
    (s / "fixtures").mkdir()
    (s / "fixtures" / "score_claims.py").write_text("import sys\nprint('recall 1.0')\n")
    (fx / (DEV + ".jsonl")).write_text("{not json\n")
    out = subprocess.run(["sh", EVAL, str(s)], capture_output=True, text=True, env=eval_env(fx))
    assert out.returncode == 1
    assert "not JSON" in out.stderr


@pytest.mark.skipif(not (SHARED / "pages" / "truth.json").exists(), reason="../shared/pages not found")
def test_the_real_heldout_set_is_valid():
    r = subprocess.run([PY, HELDOUT, "check", str(SHARED)], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("dev: ")
