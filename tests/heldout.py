#!/usr/bin/env python3
"""Held-out claim set: character spans into ../shared/pages/truth.json (Python 3 stdlib only).

    heldout.py encode [--shared DIR] BODYID TEXTFORM.jsonl   > tests/fixtures/heldout/ID.jsonl
    heldout.py decode [--split dev|test] SHARED OUTDIR
    heldout.py check  SHARED

The gold claims of tests/fixtures/heldout/<page id>.jsonl point into the article bodies of
SHARED/pages/truth.json by offsets (Python str indices, end exclusive), so that no body text
is stored in the project. See tests/fixtures/heldout/README.md for the format.

encode  reads annotations written with strings (the fields of ../shared/fixtures/wire/
        claims.jsonl) and prints them as spans: the sentence is found in the body, then
        cue, quantities, time and entities inside the sentence, the speaker inside the
        sentence or else at its nearest occurrence before the sentence (after it, when
        there is none before); an entity named twice in the sentence takes its first. A span field may be {"text": ..., "nth": K} to take the K-th
        occurrence (1-based) inside the sentence, or, for the sentence, in the body. A
        string that is missing, or found more than once without "nth", is an error.
        Entities that are canonical country names stay strings. BODYID may be a unique
        prefix of a page id; --shared defaults to the ../shared beside the checkout.
decode  writes OUTDIR/<split>/<id>.txt (the body), OUTDIR/<split>/<id>.published (an ISO
        date, when the page URL holds /YYYY/MM/DD/) and OUTDIR/<split>.gold.jsonl (strings,
        the wire format), after checking every file.
check   validates every file (fields and types, spans in range, sentence spans on sentence
        boundaries, cue/quantity/time/entity spans inside the sentence, speaker inside the
        body, ids among the candidates) and prints the counts per split.

The gold files are read from tests/fixtures/heldout, or from $HELDOUT_FIXTURES when set (tests).

Selection and split (fixed, see tests/fixtures/heldout/README.md): the candidates are the
sorted page ids minus the seven wire pages; a page is in "dev" iff
int(sha256(id).hexdigest(), 16) % 2 == 0, else in "test".
"""
import glob
import hashlib
import json
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIXTURES = os.environ.get('HELDOUT_FIXTURES') or os.path.join(ROOT, 'tests', 'fixtures', 'heldout')
WIRE_PREFIXES = ('06e5123e4ef7', '1ee91d1fce65', '39d5c43beb60', '7916ecca969f',
                 '9ebb3af65694', 'a1fca19b884e', 'c7e39ac49fa1')
STANCES = ('assert', 'deny', 'allege', 'speculate')
KEYS = ('article', 'sentence', 'speaker', 'cue', 'stance', 'quantities', 'entities', 'time',
        'optional')
QKEYS = ('text', 'value', 'value_max', 'qualifier', 'unit')
# Canonical short country names (GUIDELINES.md 7): entities that stay strings.
COUNTRIES = frozenset("""
Afghanistan|Albania|Algeria|Andorra|Angola|Antigua and Barbuda|Argentina|Armenia|Australia|
Austria|Azerbaijan|Bahamas|Bahrain|Bangladesh|Barbados|Belarus|Belgium|Belize|Benin|Bhutan|
Bolivia|Bosnia and Herzegovina|Botswana|Brazil|Brunei|Bulgaria|Burkina Faso|Burundi|
Cambodia|Cameroon|Canada|Cape Verde|Central African Republic|Chad|Chile|China|Colombia|
Comoros|Congo|Costa Rica|Croatia|Cuba|Cyprus|Czech Republic|Democratic Republic of the Congo|
Denmark|Djibouti|Dominica|Dominican Republic|East Timor|Ecuador|Egypt|El Salvador|
Equatorial Guinea|Eritrea|Estonia|Eswatini|Ethiopia|Fiji|Finland|France|Gabon|Gambia|
Georgia|Germany|Ghana|Greece|Grenada|Guatemala|Guinea|Guinea-Bissau|Guyana|Haiti|Honduras|
Hungary|Iceland|India|Indonesia|Iran|Iraq|Ireland|Israel|Italy|Ivory Coast|Jamaica|Japan|
Jordan|Kazakhstan|Kenya|Kiribati|Kosovo|Kuwait|Kyrgyzstan|Laos|Latvia|Lebanon|Lesotho|
Liberia|Libya|Liechtenstein|Lithuania|Luxembourg|Madagascar|Malawi|Malaysia|Maldives|Mali|
Malta|Marshall Islands|Mauritania|Mauritius|Mexico|Micronesia|Moldova|Monaco|Mongolia|
Montenegro|Morocco|Mozambique|Myanmar|Namibia|Nauru|Nepal|Netherlands|New Zealand|
Nicaragua|Niger|Nigeria|North Korea|North Macedonia|Norway|Oman|Pakistan|Palau|Palestine|
Panama|Papua New Guinea|Paraguay|Peru|Philippines|Poland|Portugal|Qatar|Romania|Russia|
Rwanda|Saint Kitts and Nevis|Saint Lucia|Saint Vincent and the Grenadines|Samoa|San Marino|
Sao Tome and Principe|Saudi Arabia|Senegal|Serbia|Seychelles|Sierra Leone|Singapore|
Slovakia|Slovenia|Solomon Islands|Somalia|South Africa|South Korea|South Sudan|Spain|
Sri Lanka|Sudan|Suriname|Sweden|Switzerland|Syria|Taiwan|Tajikistan|Tanzania|Thailand|Togo|
Tonga|Trinidad and Tobago|Tunisia|Turkey|Turkmenistan|Tuvalu|Uganda|Ukraine|
United Arab Emirates|United Kingdom|United States|Uruguay|Uzbekistan|Vanuatu|Vatican City|
Venezuela|Vietnam|Yemen|Zambia|Zimbabwe
""".replace('\n', '').split('|'))
SENT_END = '.!?…"\'”’)]:;'
SPEAKER_BAD_START = re.compile(r'(?:on|in|at|with|as|by|for|from|to|of|and|but|or|that)\b')


class Bad(Exception):
    pass


def split_of(pid):
    return 'dev' if int(hashlib.sha256(pid.encode()).hexdigest(), 16) % 2 == 0 else 'test'


def load_truth(shared):
    path = os.path.join(shared, 'pages', 'truth.json')
    try:
        with open(path, encoding='utf-8') as f:
            return json.load(f)
    except OSError as e:
        raise Bad('%s: %s' % (path, e.strerror))
    except ValueError as e:
        raise Bad('%s: not JSON: %s' % (path, e))


def candidates(truth):
    return sorted(i for i in truth if not i.startswith(WIRE_PREFIXES))


def body_of(truth, pid):
    return truth[pid].get('articleBody') or ''


def published_of(url):
    """ISO date from a /YYYY/MM/DD/ in the URL (month and day may be one digit), or None."""
    m = re.search(r'/((?:19|20)\d\d)/(\d{1,2})/(\d{1,2})/', url or '')
    if not m or not (1 <= int(m.group(2)) <= 12 and 1 <= int(m.group(3)) <= 31):
        return None
    return '%s-%02d-%02dT12:00:00Z' % (m.group(1), int(m.group(2)), int(m.group(3)))


# ---------------------------------------------------------------- encode

def occurrences(hay, needle, start=0, end=None):
    end = len(hay) if end is None else end
    out, i = [], hay.find(needle, start, end)
    while i >= 0:
        out.append(i)
        i = hay.find(needle, i + 1, end)
    return out


def want_text(v, what):
    """A span field in text form: "string" or {"text": ..., "nth": K} -> (text, nth|None)."""
    if isinstance(v, str) and v:
        return v, None
    if isinstance(v, dict) and isinstance(v.get('text'), str) and v['text'] \
            and isinstance(v.get('nth'), int) and v['nth'] >= 1 and set(v) == {'text', 'nth'}:
        return v['text'], v['nth']
    raise Bad('%s: want a non-empty string or {"text": ..., "nth": K}, got %r' % (what, v))


def pick(hits, nth, text, where, what):
    if not hits:
        raise Bad('%s %r not found %s' % (what, text, where))
    if nth is not None:
        if nth > len(hits):
            raise Bad('%s %r: nth %d but only %d found %s' % (what, text, nth, len(hits), where))
        return hits[nth - 1]
    if len(hits) > 1:
        raise Bad('%s %r found %d times %s (add "nth")' % (what, text, len(hits), where))
    return hits[0]


def in_sentence(body, s0, s1, v, what, first=False):
    text, nth = want_text(v, what)
    if first and nth is None:
        nth = 1
    i = pick(occurrences(body, text, s0, s1), nth, text, 'in the sentence', what)
    return [i, i + len(text)]


def encode_claim(body, rec, pid):
    unknown = set(rec) - set(KEYS) - {'hedges', 'speaker_in_sentence'}
    if unknown:
        raise Bad('unknown fields %s' % ', '.join(sorted(unknown)))
    text, nth = want_text(rec.get('sentence'), 'sentence')
    s0 = pick(occurrences(body, text), nth, text, 'in the body', 'sentence')
    s1 = s0 + len(text)
    out = {'article': pid, 'sentence': [s0, s1]}
    sp = rec.get('speaker')
    if sp is None:
        out['speaker'] = None
    else:
        stext, snth = want_text(sp, 'speaker')
        inside = occurrences(body, stext, s0, s1)
        if inside:
            i = pick(inside, snth, stext, 'in the sentence', 'speaker')
        else:
            if snth is not None:
                raise Bad('speaker %r: "nth" only applies inside the sentence' % stext)
            before = [i for i in occurrences(body, stext, 0, s0)]
            after = occurrences(body, stext, s1)
            if not before and not after:
                raise Bad('speaker %r not found in the body' % stext)
            i = before[-1] if before else after[0]
        out['speaker'] = [i, i + len(stext)]
    cue = rec.get('cue')
    out['cue'] = None if cue is None else in_sentence(body, s0, s1, cue, 'cue')
    if rec.get('stance') not in STANCES:
        raise Bad('stance %r not one of %s' % (rec.get('stance'), '/'.join(STANCES)))
    out['stance'] = rec['stance']
    qs = []
    for q in rec.get('quantities') or []:
        if not isinstance(q, dict) or set(q) - set(QKEYS) or 'text' not in q or 'value' not in q:
            raise Bad('quantity %r: want text, value and optional value_max, qualifier, unit' % (q,))
        e = {'text': in_sentence(body, s0, s1, q['text'], 'quantity'), 'value': q['value']}
        if q.get('value_max') is not None:
            e['value_max'] = q['value_max']
        e['qualifier'] = q.get('qualifier')
        e['unit'] = q.get('unit')
        qs.append(e)
    out['quantities'] = qs
    ents = []
    for e in rec.get('entities') or []:
        if isinstance(e, str) and e in COUNTRIES:
            ents.append(e)
        else:
            ents.append(in_sentence(body, s0, s1, e, 'entity', first=True))
    out['entities'] = ents
    out['time'] = [in_sentence(body, s0, s1, t, 'time') for t in rec.get('time') or []]
    if rec.get('optional'):
        out['optional'] = True
    return out


def resolve_id(truth, bodyid):
    if bodyid in truth:
        return bodyid
    hits = [i for i in truth if i.startswith(bodyid)]
    if len(hits) != 1:
        raise Bad('page id %r: %s' % (bodyid, 'not found' if not hits else 'ambiguous prefix'))
    return hits[0]


def cmd_encode(args):
    shared = os.path.join(ROOT, '..', 'shared')
    if args[:1] == ['--shared'] and len(args) >= 2:
        shared, args = args[1], args[2:]
    if len(args) != 2:
        raise Bad('usage: heldout.py encode [--shared DIR] BODYID TEXTFORM.jsonl')
    truth = load_truth(shared)
    pid = resolve_id(truth, args[0])
    body = body_of(truth, pid)
    lines, errors = [], 0
    with open(args[1], encoding='utf-8') as f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                rec = json.loads(line)
                if rec.get('article') not in (None, pid) and not pid.startswith(str(rec.get('article'))):
                    raise Bad('article %r is not %s' % (rec.get('article'), pid))
                out = encode_claim(body, rec, pid)
                check_claim(body, out, pid)
                lines.append(json.dumps(out, ensure_ascii=False))
            except ValueError as e:
                print('%s:%d: not JSON: %s' % (args[1], n, e), file=sys.stderr)
                errors += 1
            except Bad as e:
                print('%s:%d: %s' % (args[1], n, e), file=sys.stderr)
                errors += 1
    if errors:
        raise Bad('%d error(s); nothing written' % errors)
    for line in lines:
        print(line)
    return 0


# ---------------------------------------------------------------- check

def span(v, lo, hi, what):
    if not (isinstance(v, list) and len(v) == 2 and all(type(x) is int for x in v)):
        raise Bad('%s: want [start, end], got %r' % (what, v))
    if not (lo <= v[0] < v[1] <= hi):
        raise Bad('%s %r outside [%d, %d]' % (what, v, lo, hi))
    return v


def check_sentence(body, s):
    s0, s1 = s
    text = body[s0:s1]
    if text != text.strip():
        raise Bad('sentence %r: leading or trailing space' % text[:40])
    if '\n' in text:
        raise Bad('sentence %r: runs over a line break' % text[:40])
    before = body[:s0].rstrip(' \t')
    # a body that lost the space after a full stop ("Wednesday.The") still has a boundary
    # before a capital letter
    glued = bool(before) and s0 == len(before) and not (before[-1] in '.!?' and text[:1].isupper())
    if before and before[-1] != '\n' and (glued or before[-1] not in SENT_END):
        raise Bad('sentence %r: does not start on a sentence boundary' % text[:40])
    after = body[s1:]
    if text[-1] not in SENT_END and after and not after.lstrip(' \t').startswith('\n') \
            and after.strip():
        raise Bad('sentence %r: does not end on a sentence boundary' % text[-40:])
    if after and not after[0].isspace() and text[-1] not in SENT_END:
        raise Bad('sentence %r: ends inside a word' % text[-40:])


def check_claim(body, c, pid):
    if not isinstance(c, dict):
        raise Bad('want a JSON object')
    unknown = set(c) - set(KEYS)
    if unknown:
        raise Bad('unknown fields %s' % ', '.join(sorted(unknown)))
    missing = [k for k in KEYS[:-1] if k not in c]
    if missing:
        raise Bad('missing fields %s' % ', '.join(missing))
    if c['article'] != pid:
        raise Bad('article %r is not the file\'s id %s' % (c['article'], pid))
    s0, s1 = span(c['sentence'], 0, len(body), 'sentence')
    check_sentence(body, c['sentence'])
    if c['speaker'] is not None:
        sp = span(c['speaker'], 0, len(body), 'speaker')
        text = body[sp[0]:sp[1]]
        if text != text.strip() or SPEAKER_BAD_START.match(text):
            raise Bad('speaker %r: not a noun phrase' % text)
    if c['cue'] is not None:
        span(c['cue'], s0, s1, 'cue')
    if c['stance'] not in STANCES:
        raise Bad('stance %r not one of %s' % (c['stance'], '/'.join(STANCES)))
    if not isinstance(c['quantities'], list):
        raise Bad('quantities: want a list')
    for q in c['quantities']:
        if not isinstance(q, dict) or set(q) - set(QKEYS) or not {'text', 'value', 'qualifier', 'unit'} <= set(q):
            raise Bad('quantity %r: want text, value, qualifier, unit (and value_max)' % (q,))
        span(q['text'], s0, s1, 'quantity')
        for k in ('value', 'value_max'):
            if k in q and (type(q[k]) not in (int, float)):
                raise Bad('quantity %s %r: want a number' % (k, q[k]))
        if 'value_max' in q and q['value_max'] < q['value']:
            raise Bad('quantity value_max %r < value %r' % (q['value_max'], q['value']))
        for k in ('qualifier', 'unit'):
            if q[k] is not None and not (isinstance(q[k], str) and q[k]):
                raise Bad('quantity %s %r: want a string or null' % (k, q[k]))
    if not isinstance(c['entities'], list):
        raise Bad('entities: want a list')
    for e in c['entities']:
        if isinstance(e, str):
            if e not in COUNTRIES:
                raise Bad('entity %r: a string must be a canonical country name' % e)
        else:
            span(e, s0, s1, 'entity')
    if not isinstance(c['time'], list):
        raise Bad('time: want a list')
    for t in c['time']:
        span(t, s0, s1, 'time')
        if re.match(r'(?:on|in|at)\s', body[t[0]:t[1]]):
            raise Bad('time %r: leading preposition' % body[t[0]:t[1]])
    if 'optional' in c and c['optional'] is not True:
        raise Bad('optional: only true, or leave it out')


def load_fixtures(truth):
    """{id: [claims]} for every tests/fixtures/heldout/*.jsonl; raises Bad listing all errors."""
    cands = set(candidates(truth))
    errors, out = [], {}
    for path in sorted(glob.glob(os.path.join(FIXTURES, '*.jsonl'))):
        name = os.path.basename(path)
        pid = name[:-len('.jsonl')]
        if pid not in truth:
            errors.append('%s: no page %s in truth.json' % (name, pid))
            continue
        if pid not in cands:
            errors.append('%s: a wire page, not a candidate' % name)
            continue
        body = body_of(truth, pid)
        claims = []
        with open(path, encoding='utf-8') as f:
            for n, line in enumerate(f, 1):
                if not line.strip():
                    continue
                try:
                    c = json.loads(line)
                    check_claim(body, c, pid)
                    claims.append(c)
                except ValueError as e:
                    errors.append('%s:%d: not JSON: %s' % (name, n, e))
                except Bad as e:
                    errors.append('%s:%d: %s' % (name, n, e))
        out[pid] = claims
    if errors:
        raise Bad('\n'.join(errors))
    return out


def text_of(body, v):
    return None if v is None else body[v[0]:v[1]]


def to_wire(body, c):
    qs = []
    for q in c['quantities']:
        e = {'text': text_of(body, q['text']), 'value': q['value']}
        if 'value_max' in q:
            e['value_max'] = q['value_max']
        e['qualifier'] = q['qualifier']
        e['unit'] = q['unit']
        qs.append(e)
    out = {'article': c['article'], 'sentence': text_of(body, c['sentence']),
           'speaker': text_of(body, c['speaker']), 'cue': text_of(body, c['cue']),
           'stance': c['stance'], 'quantities': qs,
           'entities': [e if isinstance(e, str) else text_of(body, e) for e in c['entities']],
           'time': [text_of(body, t) for t in c['time']]}
    if c.get('optional'):
        out['optional'] = True
    return out


def cmd_check(args):
    if len(args) != 1:
        raise Bad('usage: heldout.py check SHARED')
    truth = load_truth(args[0])
    fx = load_fixtures(truth)
    for split in ('dev', 'test'):
        ids = [i for i in fx if split_of(i) == split]
        claims = [c for i in ids for c in fx[i]]
        opt = sum(1 for c in claims if c.get('optional'))
        print('%s: %d articles, %d claims (%d optional)' % (split, len(ids), len(claims) - opt, opt))
    return 0


def cmd_decode(args):
    split = None
    if args[:1] == ['--split'] and len(args) >= 2:
        split, args = args[1], args[2:]
        if split not in ('dev', 'test'):
            raise Bad('--split: dev or test')
    if len(args) != 2:
        raise Bad('usage: heldout.py decode [--split dev|test] SHARED OUTDIR')
    truth = load_truth(args[0])
    fx = load_fixtures(truth)
    outdir = args[1]
    for s in ('dev', 'test') if split is None else (split,):
        os.makedirs(os.path.join(outdir, s), exist_ok=True)
        with open(os.path.join(outdir, s + '.gold.jsonl'), 'w', encoding='utf-8') as gold:
            for pid in sorted(fx):
                if split_of(pid) != s:
                    continue
                body = body_of(truth, pid)
                with open(os.path.join(outdir, s, pid + '.txt'), 'w', encoding='utf-8') as f:
                    f.write(body if body.endswith('\n') else body + '\n')
                pub = published_of(truth[pid].get('url'))
                if pub:
                    with open(os.path.join(outdir, s, pid + '.published'), 'w') as f:
                        f.write(pub + '\n')
                for c in fx[pid]:
                    gold.write(json.dumps(to_wire(body, c), ensure_ascii=False) + '\n')
    return 0


def main(argv):
    cmds = {'encode': cmd_encode, 'decode': cmd_decode, 'check': cmd_check}
    if len(argv) < 2 or argv[1] not in cmds:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    try:
        return cmds[argv[1]](argv[2:])
    except Bad as e:
        print('heldout.py %s: %s' % (argv[1], e), file=sys.stderr)
        return 1
    except OSError as e:
        print('heldout.py %s: %s: %s' % (argv[1], e.filename, e.strerror), file=sys.stderr)
        return 1


if __name__ == '__main__':
    sys.exit(main(sys.argv))
