#!/usr/bin/env python3
"""Tests `mqttspec decode` and `mqttspec encode` as a user runs them: exit codes, output shapes, and
decode | encode giving back the bytes of every valid vector in fixtures/packets.

usage: test_cli.py <path to mqttspec> <fixtures dir>
"""
import glob
import json
import os
import subprocess
import sys

MQTTSPEC, FIXTURES = sys.argv[1], sys.argv[2]
failures = []


def run(args, stdin=None):
    p = subprocess.run([MQTTSPEC] + args, input=stdin, capture_output=True, text=True, timeout=60)
    return p.returncode, p.stdout, p.stderr


def check(cond, what):
    if not cond:
        failures.append(what)


# decode: one packet, exit 0, compact JSON
rc, out, err = run(["decode", "300a0003612f6268656c6c6f"])
check(rc == 0, f"decode valid: exit {rc}")
check(json.loads(out) == {"type": "PUBLISH", "dup": False, "qos": 0, "retain": False, "topic": "a/b", "payload": "hello"},
      f"decode valid: output {out!r}")
check(out.count("\n") == 1, "decode valid: one line")

# hex from stdin with whitespace, several packets
rc, out, err = run(["decode"], stdin="c0 00\n d0\t00\n")
check(rc == 0 and [json.loads(l)["type"] for l in out.splitlines()] == ["PINGREQ", "PINGRESP"], f"decode stdin: {rc} {out!r}")

# --pretty indents
rc, out, err = run(["decode", "--pretty", "c000"])
check(rc == 0 and out.startswith("{\n  "), f"decode --pretty: {out!r}")

# invalid packet: exit 1 and an error object with every field
rc, out, err = run(["decode", "e00100"])
e = json.loads(out) if out else {}
check(rc == 1, f"decode invalid: exit {rc}")
check(set(e) == {"error", "kind", "offset", "reason_code", "statement", "message"}, f"decode invalid: fields {e}")
check(e.get("error") == "wrong_fixed_length" and e.get("kind") == "malformed_packet", f"decode invalid: {e}")

# packets before the bad one are printed, then the error; decoding stops
rc, out, err = run(["decode", "c000", "20020200", "c000"])
lines = out.splitlines()
check(rc == 1 and len(lines) == 2 and json.loads(lines[1])["error"] == "connack_reserved_flags", f"decode stops: {rc} {out!r}")

# a stream ending inside a packet
rc, out, err = run(["decode", "c000", "3005"])
lines = out.splitlines()
check(rc == 1 and json.loads(lines[-1])["error"] == "truncated" and json.loads(lines[-1])["offset"] == 2,
      f"decode truncated: {rc} {out!r}")

# a field running past its Remaining Length is malformed, not a stream that ended early
rc, out, err = run(["decode", "-V", "5", "3100c000"])
e = json.loads(out.splitlines()[-1]) if out else {}
check(rc == 1 and e.get("error") == "field_past_remaining_length" and e.get("offset") == 2 and
      e.get("kind") == "malformed_packet", f"decode field past remaining length: {rc} {out!r}")

# usage errors: exit 2, message on stderr, nothing on stdout
for args, what in ((["decode", "zz"], "bad hex"), (["decode", "c00"], "odd digits"), (["decode", "-V", "4.0", "c000"], "bad version"),
                   (["decode", "--frobnicate", "c000"], "unknown flag"), (["decode", "--max-packet-size", "x", "c000"], "bad size"),
                   (["decode", "--sender", "broker", "c000"], "bad sender"),
                   (["encode", "{\"type\": \"PUBLISH\", \"topik\": \"a\"}"], "unknown field"),
                   (["encode", "{\"type\": \"PUBLISH\", \"qos\": 4}"], "qos out of range"),
                   (["encode", "not json"], "not JSON"),
                   (["encode", "-V", "3.1.1", "{\"type\": \"AUTH\"}"], "AUTH in 3.1.1"),
                   (["encode", "-V", "3.1.1", "{\"type\": \"PUBACK\", \"packet_id\": 1, \"reason_code\": 16}"], "reason code in 3.1.1")):
    rc, out, err = run(args)
    check(rc == 2 and out == "" and err.strip() != "", f"usage error ({what}): exit {rc}, stdout {out!r}, stderr {err!r}")
rc, out, err = run(["encode", "{\"type\": \"PUBLISH\", \"properties\": {\"topic_alias\": 70000}}", "-V", "5"])
check(rc == 2 and "/properties/topic_alias" in err, f"encode error names the JSON path: {err!r}")

# options reach the decoder
rc, out, err = run(["decode", "--max-packet-size", "4", "300a0003612f6268656c6c6f"])
check(rc == 1 and json.loads(out)["error"] == "packet_too_large", f"--max-packet-size: {out!r}")
rc, out, err = run(["decode", "--sender", "client", "20020000"])
check(rc == 1 and json.loads(out)["error"] == "packet_not_allowed_from_sender", f"--sender: {out!r}")
rc, out, err = run(["decode", "--reject-control-characters", "30050001016869"])
check(rc == 1 and json.loads(out)["error"] == "utf8_control_character", f"--reject-control-characters: {out!r}")
rc, out, err = run(["decode", "-V", "5", "--check-payload-format", "3007000174020101ff"])
check(rc == 1 and json.loads(out)["error"] == "payload_format_invalid", f"--check-payload-format: {out!r}")

# Without -V a CONNECT sets the version: the same DISCONNECT bytes are valid after a 5.0 CONNECT only.
rc, out, err = run(["decode", "100d00044d5154540502003c000000", "e00104"])
check(rc == 0 and json.loads(out.splitlines()[1])["reason_code"] == 4, f"follow CONNECT: {rc} {out!r}")
rc, out, err = run(["decode", "e00104"])
check(rc == 1, "DISCONNECT with a reason code is invalid in 3.1.1 (the default)")

# encode: one object, an array, newline-delimited objects, stdin
rc, out, err = run(["encode", "{\"type\":\"PUBLISH\",\"qos\":1,\"topic\":\"a/b\",\"packet_id\":7,\"payload\":\"hi\"}"])
check(rc == 0 and out == "32090003612f6200076869\n", f"encode object: {rc} {out!r} {err!r}")
rc, out, err = run(["encode", "[{\"type\":\"PINGREQ\"},{\"type\":\"PINGRESP\"}]"])
check(rc == 0 and out == "c000\nd000\n", f"encode array: {out!r}")
rc, out, err = run(["encode", "-"], stdin="{\"type\":\"PINGREQ\"}\n\n{\"type\":\"DISCONNECT\"}\n")
check(rc == 0 and out == "c000\ne000\n", f"encode ndjson stdin: {out!r} {err!r}")
rc, out, err = run(["encode", "{\"type\":\"PINGREQ\",\"remaining_length_bytes\":3}"])
check(rc == 0 and out == "c0808000\n", f"encode remaining_length_bytes: {out!r}")
# without -V a CONNECT's protocol_level sets the version for the packets after it
rc, out, err = run(["encode"], stdin='{"type":"CONNECT","protocol_level":5}\n{"type":"DISCONNECT","reason_code":4}\n')
check(rc == 0 and out.splitlines() == ["100d00044d5154540502003c000000", "e00104"], f"encode follows CONNECT: {out!r} {err!r}")

for cmd in ("decode", "encode"):
    rc, out, err = run([cmd, "--help"])
    check(rc == 0 and "usage: mqttspec " + cmd in out and "example" in out, f"{cmd} --help")

# decode | encode gives back every valid vector's bytes (grouped per version and options).
groups = {}
count = 0
for path in sorted(glob.glob(os.path.join(FIXTURES, "packets", "*.json"))):
    with open(path, encoding="utf-8") as f:
        for v in json.load(f)["vectors"]:
            if "packet" not in v:
                continue
            flags = ["-V", v["version"]]
            if "sender" in v:
                flags += ["--sender", v["sender"]]
            for k, on in sorted(v.get("options", {}).items()):
                if k == "maximum_packet_size":
                    flags += ["--max-packet-size", str(on)]
                elif on:
                    flags.append("--" + k.replace("_", "-"))
            groups.setdefault(tuple(flags), []).append(v)
            count += 1
check(count >= 100, f"only {count} valid vectors found under {FIXTURES}")
for flags, vectors in groups.items():
    rc, out, err = run(["decode"] + list(flags), stdin="\n".join(v["hex"] for v in vectors))
    lines = out.splitlines()
    if rc != 0 or len(lines) != len(vectors):
        failures.append(f"decode {' '.join(flags)}: exit {rc}, {len(lines)} lines for {len(vectors)} vectors: {err or lines[-1:]}")
        continue
    for v, line in zip(vectors, lines):
        if json.loads(line) != v["packet"]:
            failures.append(f"decode {v['name']}: {line} != {json.dumps(v['packet'])}")
    version = ["-V", flags[1]]
    rc, out, err = run(["encode"] + version, stdin=out)
    back = out.splitlines()
    if rc != 0 or len(back) != len(vectors):
        failures.append(f"encode {' '.join(version)}: exit {rc}: {err}")
        continue
    for v, h in zip(vectors, back):
        if h != v["hex"]:
            failures.append(f"decode|encode changed {v['name']}: {v['hex']} -> {h}")

for f in failures:
    print("FAIL:", f)
print(f"{count} vectors round-tripped through the CLI; {len(failures)} failure(s)")
sys.exit(1 if failures else 0)
