#!/usr/bin/python3
"""A gap-free claimd subscriber in Python (pyzmq): the algorithm of claimctl sub.

usage: sub.py [--since GSEQ] [-n COUNT] PUB_ENDPOINT REPLAY_ENDPOINT [TOPIC...]

Subscribe first; ask the replay endpoint for a SNAPSHOT of what came after the last gseq
we have (at start with --since, again when a topic's seq jumps or a heartbeat's gseq is
ahead of us); drop anything whose gseq we already printed. Prints JSON lines."""
import argparse, json, struct, sys
import zmq

ap = argparse.ArgumentParser()
ap.add_argument("--since", type=int)
ap.add_argument("-n", type=int, default=0)
ap.add_argument("pub")
ap.add_argument("replay")
ap.add_argument("topics", nargs="*")
a = ap.parse_args()
prefixes = a.topics or [""]
ctx = zmq.Context()
sub = ctx.socket(zmq.SUB)
for t in prefixes + ["sys/heartbeat"]:
    sub.setsockopt(zmq.SUBSCRIBE, t.encode())
sub.connect(a.pub)
last = a.since or 0            # highest gseq printed (or known complete)
seqs = {}                      # topic -> last seq printed
printed = 0


def out(topic, body, seq):
    global last, printed
    if body["gseq"] <= last:   # a duplicate: replay and live overlap
        return
    last, seqs[topic] = body["gseq"], seq
    print(json.dumps({"topic": topic, "seq": seq, "gseq": body["gseq"], "body": body}), flush=True)
    printed += 1
    if a.n and printed >= a.n:
        sys.exit(0)


def snapshot():
    """Replays everything after `last`, merged with live messages that arrive meanwhile."""
    global last
    held = []
    d = ctx.socket(zmq.DEALER)
    d.setsockopt(zmq.LINGER, 0)
    d.connect(a.replay)
    d.send_multipart([b"SNAPSHOT", (prefixes[0] if len(prefixes) == 1 else "").encode(),
                      str(last).encode()])
    poller = zmq.Poller()
    poller.register(d, zmq.POLLIN)
    poller.register(sub, zmq.POLLIN)
    while True:
        ev = dict(poller.poll(5000))
        if not ev:
            sys.exit("replay endpoint did not answer")
        if sub in ev:              # live messages: hold them until the snapshot ends
            t, b, s = sub.recv_multipart()
            if t != b"sys/heartbeat":
                held.append((t.decode(), json.loads(b), struct.unpack("<Q", s)[0]))
        if d in ev:
            f = d.recv_multipart()
            if f[0] == b"MSG":
                t = f[1].decode()
                if any(t.startswith(p) for p in prefixes):
                    held.append((t, json.loads(f[2]), struct.unpack("<Q", f[3])[0]))
            elif f[0] == b"END":
                for t, b, s in sorted(held, key=lambda m: m[1]["gseq"]):
                    out(t, b, s)
                last = max(last, int(f[1]))
                d.close()
                return
            elif f[1] == b"expired":   # older messages are gone: say so, take what is left
                print("messages before gseq %s are no longer retained" % f[2].decode(),
                      file=sys.stderr)
                last = int(f[2]) - 1
                d.send_multipart([b"SNAPSHOT", b"", str(last).encode()])
            else:
                sys.exit("replay error: %r" % f)


if a.since is not None:
    snapshot()
quiet = True                   # no message since the last heartbeat
while True:
    t, b, s = sub.recv_multipart()
    topic, body, seq = t.decode(), json.loads(b), struct.unpack("<Q", s)[0]
    if topic == "sys/heartbeat":
        if body["gseq"] > last and quiet:
            snapshot()         # the publisher is ahead of us: something was missed
        quiet = True
        continue
    quiet = False
    if not any(topic.startswith(p) for p in prefixes):
        continue
    if topic in seqs and seq > seqs[topic] + 1:
        print("%s: seq jumped from %d to %d, replaying" % (topic, seqs[topic], seq),
              file=sys.stderr)
        snapshot()             # fills the gap; the live copy is then a duplicate
    out(topic, body, seq)
