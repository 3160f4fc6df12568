#!/usr/bin/env node
// A gap-free claimd subscriber in Node.js (npm zeromq 6): the algorithm of claimctl sub.
//
// usage: sub.js [--since GSEQ] [-n COUNT] PUB_ENDPOINT REPLAY_ENDPOINT [TOPIC...]
//
// Subscribe first; ask the replay endpoint for a SNAPSHOT of what came after the last gseq
// we have (at start with --since, again when a topic's seq jumps or a heartbeat's gseq is
// ahead of us while nothing arrived); hold live messages while the snapshot runs; drop
// anything whose gseq we already printed. Prints one JSON line per message:
// {"topic", "seq", "gseq", "body"}. Install: npm install zeromq@6
"use strict";
const zmq = require("zeromq");

const argv = process.argv.slice(2);
let since = null, count = 0;
while (argv.length && argv[0].startsWith("-")) {
  const o = argv.shift();
  if (o === "--since") since = BigInt(argv.shift());
  else if (o === "-n") count = parseInt(argv.shift(), 10);
  else { console.error("usage: sub.js [--since GSEQ] [-n COUNT] PUB REPLAY [TOPIC...]"); process.exit(2); }
}
if (argv.length < 2) { console.error("usage: sub.js [--since GSEQ] [-n COUNT] PUB REPLAY [TOPIC...]"); process.exit(2); }
const [pubEp, replayEp] = argv;
const prefixes = argv.length > 2 ? argv.slice(2) : [""];

let last = since === null ? 0n : since;   // highest gseq printed (or known complete)
const seqs = new Map();                     // topic -> last seq seen
let printed = 0;
let held = null;                            // live messages held while a snapshot runs
let snapshotting = false;
let quiet = true;                           // no message since the last heartbeat

const wanted = (t) => prefixes.some((p) => t.startsWith(p));
const le64 = (b) => b.readBigUInt64LE(0);

let done = false;

function out(topic, body, seq) {
  const g = BigInt(body.gseq);
  if (done || g <= last) return;           // a duplicate: replay and live overlap
  last = g;
  seqs.set(topic, seq);
  const line = JSON.stringify({ topic, seq: Number(seq), gseq: body.gseq, body }) + "\n";
  if (count && ++printed >= count) {
    done = true;                           // exit once stdout (a pipe: asynchronous) took it
    process.stdout.write(line, () => process.exit(0));
  } else {
    process.stdout.write(line);
  }
}

// Replays everything after `last`, merged with the live messages that arrive meanwhile.
async function snapshot() {
  if (snapshotting) return;
  snapshotting = true;
  held = [];
  const d = new zmq.Dealer({ linger: 0, receiveTimeout: 5000 });
  d.connect(replayEp);
  const prefix = prefixes.length === 1 ? prefixes[0] : "";
  await d.send(["SNAPSHOT", prefix, last.toString()]);
  try {
    for (;;) {
      let f;
      try {
        f = await d.receive();
      } catch (e) {
        console.error("replay endpoint did not answer");
        process.exit(1);
      }
      const kind = f[0].toString();
      if (kind === "MSG") {
        const t = f[1].toString();
        if (wanted(t)) held.push([t, JSON.parse(f[2].toString()), le64(f[3])]);
      } else if (kind === "END") {
        const msgs = held;
        held = null;
        msgs.sort((a, b) => (BigInt(a[1].gseq) < BigInt(b[1].gseq) ? -1 : 1));
        for (const [t, b, s] of msgs) out(t, b, s);
        const hi = BigInt(f[1].toString());
        if (hi > last) last = hi;
        return;
      } else if (f[1] && f[1].toString() === "expired") {
        // older messages are gone: say so, and take what is left
        const oldest = BigInt(f[2].toString());
        console.error(`messages after gseq ${last} before ${oldest} are no longer retained`);
        last = oldest - 1n;
        await d.send(["SNAPSHOT", prefix, last.toString()]);
      } else {
        console.error("replay error: " + f.map((x) => x.toString()).join(" "));
        process.exit(1);
      }
    }
  } finally {
    d.close();
    snapshotting = false;
  }
}

async function main() {
  const sub = new zmq.Subscriber({ linger: 0 });
  for (const p of prefixes) sub.subscribe(p);
  sub.subscribe("sys/heartbeat");
  sub.connect(pubEp);
  let pending = since !== null ? snapshot() : null;
  for await (const [t, b, s] of sub) {
    const topic = t.toString(), body = JSON.parse(b.toString()), seq = le64(s);
    if (topic === "sys/heartbeat") {
      if (BigInt(body.gseq) > last && quiet && !snapshotting)
        pending = snapshot();              // the publisher is ahead of us: something was missed
      quiet = true;
      continue;
    }
    quiet = false;
    if (!wanted(topic)) continue;
    if (held) { held.push([topic, body, seq]); continue; }
    const prev = seqs.get(topic);
    if (prev !== undefined && seq > prev + 1n) {
      console.error(`${topic}: seq jumped from ${prev} to ${seq}, replaying`);
      pending = snapshot();                // fills the gap; the live copy joins the snapshot
      held.push([topic, body, seq]);
      continue;
    }
    out(topic, body, seq);
  }
  await pending;
}

main().catch((e) => { console.error(e); process.exit(1); });
