#!/usr/bin/env python3
"""Differential test of depot's GS1 parser against biip (a real, independent GS1 parser).

Usage: scripts/gs1/compare-biip.py GS1_TOOL CORPUS [--verbose]

Runs GS1_TOOL (depot's gs1-tool) over the corpus, parses every line with biip too, and compares
the readings: valid or not, and for valid ones the elements (AI, data) and dates. Every
disagreement must match one of the explained classes below (each listed in docs/gs1.md with the
GS1 General Specifications clause that makes depot's answer right); an unexplained one fails.
Prints `gs1-biip: N passed, M failed` and exits 1 when M > 0.
"""
import datetime
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from suite import skip_suite  # noqa: E402

try:
    import biip
    from biip.gs1_messages import GS1Message
except ImportError:
    skip_suite("gs1-biip", "the Python package biip is not installed (scripts/deps/gs1.pip)")

GS = "\x1d"


def decode(line):
    return line.replace("<GS>", GS)


def biip_view(scan, prefer):
    """('gtin'|'elements'|'error', payload) for biip's reading of the scan. Without a symbology
    identifier biip offers every reading that works; `prefer` picks the one depot chose."""
    if scan.startswith("("):
        try:
            m = GS1Message.parse_hri(scan)
        except Exception as e:  # biip raises ParseError subclasses
            return ("error", str(e)), None
        return elements_view(m.element_strings), m
    r = biip.parse(scan)
    sym = r.symbology_identifier
    if sym is not None and sym.gs1_symbology in biip.symbology.GS1Symbology.with_gtin():
        if r.gtin is not None:
            return ("gtin", r.gtin.as_gtin_14()), r
        return ("error", r.gtin_error), r
    if prefer == "gtin" and r.gtin is not None:
        return ("gtin", r.gtin.as_gtin_14()), r
    if r.gs1_digital_link_uri is not None:
        return elements_view(r.gs1_digital_link_uri.element_strings), r
    if r.gs1_message is not None:
        return elements_view(r.gs1_message.element_strings), r
    if r.gtin is not None:
        return ("gtin", r.gtin.as_gtin_14()), r
    errors = [e for e in (r.gs1_digital_link_uri_error, r.gs1_message_error, r.gtin_error) if e]
    return ("error", errors[0] if errors else "not GS1"), r


def elements_view(elements):
    out, errors = [], []
    for e in elements:
        err = e.gtin_error or e.sscc_error or e.gln_error
        if err:
            errors.append(err)
        d = e.date.isoformat() if e.date else None
        out.append((e.ai.ai, e.value, d))
    if errors:
        return ("error", errors[0])
    return ("elements", out)


def depot_view(res):
    if not res["valid"]:
        return ("error", "; ".join(e["message"] for e in res["errors"]))
    if res["kind"] == "plain":
        return ("error", "not GS1 (plain data)")
    if res["kind"] == "gtin":
        return ("gtin", res["elements"][0]["raw"])
    out = []
    for e in res["elements"]:
        v = e["value"]
        d = v if e["type"] == "date" and isinstance(v, str) else (v.get("date") if isinstance(v, dict) and "date" in v else None)
        out.append((e["ai"], e["raw"], d))
    return ("elements", out)


def codes(res, kind="errors"):
    return {d["code"] for d in res[kind]}


# Explained classes of disagreement; docs/gs1.md lists each with its GenSpecs clause.
CLASSES = {
    "D1": "invalid AI pairs refused (GenSpecs 4.14.1); biip does not check pairing rules",
    "D2": "the same AI twice with different values refused (GenSpecs 4.14.1)",
    "D3": "characters outside the AI's character set refused, ASCII digits only (GenSpecs 7.11)",
    "D4": "impossible date or time refused (GenSpecs 7.12)",
    "D5": "content rule of the AI refused (GenSpecs 3.x: piece of total, yes/no, check pair...)",
    "D6": "Digital Link URI in a plain-data symbol (]Q1, ]d1, ]C0) read as Digital Link (GS1 Digital Link standard: URIs are not GS1-mode data)",
    "D7": "malformed human-readable text refused: unclosed AI, separator characters (GenSpecs 4.15)",
    "D8": "Digital Link qualifier order or attribute rules (GS1 Digital Link standard)",
    "D9": "check digit of a key biip does not check (GenSpecs 7.9.1)",
}


def explain(scan, depot, theirs, res, b):
    """The class (key of CLASSES) of an explained disagreement, or None."""
    dk, bk = depot[0], theirs[0]
    errs = codes(res)
    if dk == "error" and bk != "error":
        if errs == {"invalidPair"}:
            return "D1"
        if "duplicateAI" in errs and errs <= {"duplicateAI", "invalidPair"}:
            return "D2"
        if "invalidCharacter" in errs:
            return "D3"
        if errs <= {"invalidDate", "invalidPair"}:
            return "D4"
        if errs <= {"invalidValue", "invalidPair"}:
            return "D5"
        if res["kind"] == "humanReadable" and errs <= {"humanReadable", "invalidPair"}:
            return "D7"
        if res["kind"] == "digitalLink" and errs <= {"digitalLink", "invalidPair"}:
            return "D8"
        if errs <= {"checkDigit", "invalidPair"}:
            return "D9"
    if dk != "error" and bk == "error":
        if res["kind"] == "digitalLink" and res["aim"] in ("]Q1", "]d1", "]C0"):
            return "D6"
    return None


def main():
    tool, corpus = sys.argv[1], sys.argv[2]
    verbose = "--verbose" in sys.argv
    lines = [l for l in open(corpus, encoding="utf-8").read().split("\n") if l]
    today = datetime.datetime.now(datetime.timezone.utc).date().isoformat()
    proc = subprocess.run([tool, "--today", today], input="\n".join(lines) + "\n", capture_output=True,
                          text=True, check=True)
    results = [json.loads(l) for l in proc.stdout.splitlines()]
    assert len(results) == len(lines), f"gs1-tool gave {len(results)} results for {len(lines)} lines"
    agree = explained = failed = 0
    classes = {}
    for line, res in zip(lines, results):
        scan = decode(line)
        theirs, b = biip_view(scan, res["kind"])
        depot = depot_view(res)
        same = depot[0] == theirs[0] and (depot[0] == "error" or depot[1] == theirs[1])
        if same:
            agree += 1
            continue
        why = explain(scan, depot, theirs, res, b)
        if why:
            explained += 1
            classes[why] = classes.get(why, 0) + 1
            why = why + " " + CLASSES[why]
            if verbose:
                print(f"explained: {line!r}: depot {depot} / biip {theirs}: {why}")
            continue
        failed += 1
        print(f"DISAGREE {line!r}\n  depot: {depot}\n  biip:  {theirs}")
    for why, n in sorted(classes.items()):
        print(f"  explained {why} x{n}: {CLASSES[why]}")
    print(f"gs1-biip: {agree + explained} passed, {failed} failed ({agree} agree, {explained} explained disagreements, corpus {len(lines)})")
    sys.exit(1 if failed else 0)


main()
