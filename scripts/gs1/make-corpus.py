#!/usr/bin/env python3
"""Writes the GS1 differential corpus (depot vs biip): Tests/GS1Fixtures/biip-corpus.txt.

Deterministic (fixed seed): collected examples (the parser's acceptance examples, the GS1 General Specifications, common
label data) followed by generated element strings, plain GTINs, human-readable texts and Digital
Link URIs, valid ones and mutations of them (wrong check digits, impossible dates, lost or doubled
separators, data left over, characters outside the character sets). One scan per line; the GS
separator is written <GS>.  Usage: scripts/gs1/make-corpus.py [OUT]
"""
import random
import sys
from pathlib import Path

SEED = 20261129
GS = "<GS>"

COLLECTED = [
    "010703206980498815210526100329",
    "0107032069804988100329<GS>15210526",
    "010703206980498810032915210526",
    "15210526100329<GS>",
    "0107032069804988100329<GS><GS>15210526",
    "1022222222222222222222aaa",
    "17211200", "15200200", "11120230", "15990229", "17761231", "17771231",
    "0107032069804987",
    "]C1010590123412345715210526",
    "(10)123(17)221231",
    "]C1011231231231233310ABC123<GS>99TESTING",
    "]E02112345678900", "]E02112345678901",
    "0112345678901231<GS>",
    "(01)12345678901231(37)123",
    "1021072911<GS>172405310100693570007182",
    "1021072911172405310100693570007182",
    "]C101095201234567883103000750",
    "]C100106141411234567897020952012345678837 24",
    "]C1001061414112345678970209520123456788" + "3724",
    "]C14145410000000002254A-01-03",
    "(8013)1987654Ad4X4bL5ttr2310c2K",
    "https://id.gs1.org/01/09520123456788/10/ABC%2F1/21/12345?17=201231&3103=000195",
    "https://example.com/01/09520123456788/21/12345/10/ABC",
    "]Q1https://example.com/shop/00/106141411234567897",
    "]C0LOC-A-01",
    "LOC-A-01",
    "]E40954321X", "]E496385074", "]I115400141288763",
    "5901234123457", "012345678905", "96385074", "15400141288763",
    "]d2010950110153000017250101100ABC123<GS>2112345",
    "]Q3010950110153000017250101100ABC123<GS>2112345",
    "]e0019501101530000317250101",
    "01095011015300003<GS>10ABC",
    "]C10109501101530000310 ABC",
    "]C1010950110153000010AB\u00e912",
    "]C101\u06609520123456788",
    "]C16912345",
    "]C1<GS>0109501101530000310ABC",
    "00106141411234567897",
    "00106141411234567898",
    "414541000000000225401",
    "]C1800301234567890128ABC",
    "]C18004ABC12345",
    "]C10109501101530000339227101250",
    "]C10109501101530000339329781234",
    "]C1010950110153000037003210526123",
    "]C1010950110153000037003210526123<GS>10A",
    "]C101095011015300003800812063015",
    "]C1010950110153000038008120630152233",
    "]C10109501101530000311120230",
    "]C10109501101530000313999999",
    "]C1010950110153000031521122",
]

DIGITS = "0123456789"
CSET82 = "!\"%&'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz"
ALNUM = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-./"


def check_digit(payload: str) -> str:
    s = sum(int(c) * (3 if i % 2 == 0 else 1) for i, c in enumerate(reversed(payload)))
    return str((10 - s % 10) % 10)


def key(rng, n):
    p = "".join(rng.choice(DIGITS) for _ in range(n - 1))
    return p + check_digit(p)


def yymmdd(rng, day00=False):
    y, m = rng.randint(0, 99), rng.randint(1, 12)
    d = 0 if day00 and rng.random() < 0.2 else rng.randint(1, 28)
    return f"{y:02d}{m:02d}{d:02d}"


def text(rng, lo, hi, alphabet=ALNUM):
    return "".join(rng.choice(alphabet) for _ in range(rng.randint(lo, hi)))


# (AI, generator, separator required) for the AIs seen on warehouse labels.
def fields(rng):
    return {
        "01": (key(rng, 14), False), "02": (key(rng, 14), False), "00": (key(rng, 18), False),
        "10": (text(rng, 1, 20), True), "21": (text(rng, 1, 20), True),
        "11": (yymmdd(rng, True), False), "13": (yymmdd(rng, True), False), "15": (yymmdd(rng, True), False),
        "16": (yymmdd(rng, True), False), "17": (yymmdd(rng, True), False),
        "20": ("".join(rng.choice(DIGITS) for _ in range(2)), False),
        "30": (str(rng.randint(1, 99999999)), True), "37": (str(rng.randint(1, 99999999)), True),
        "310%d" % rng.randint(0, 5): ("%06d" % rng.randint(0, 999999), False),
        "320%d" % rng.randint(0, 5): ("%06d" % rng.randint(0, 999999), False),
        "330%d" % rng.randint(0, 5): ("%06d" % rng.randint(0, 999999), False),
        "392%d" % rng.randint(0, 3): (str(rng.randint(0, 99999)), True),
        "393%d" % rng.randint(0, 3): (rng.choice(["978", "840", "710"]) + str(rng.randint(0, 99999)), True),
        "400": (text(rng, 1, 30), True), "410": (key(rng, 13), False), "414": (key(rng, 13), False),
        "254": (text(rng, 1, 20), True), "420": (text(rng, 1, 20), True),
        "422": (rng.choice(["276", "250", "528", "840"]), True),
        "7003": (yymmdd(rng) + "%02d%02d" % (rng.randint(0, 23), rng.randint(0, 59)), True),
        "8008": (yymmdd(rng) + "%02d" % rng.randint(0, 23), True),
        "8004": (text(rng, 1, 30), True), "90": (text(rng, 1, 30), True), "91": (text(rng, 1, 90), True),
        "99": (text(rng, 1, 90), True), "240": (text(rng, 1, 30), True), "241": (text(rng, 1, 30), True),
    }


PRIMARY = ["01", "02", "00"]


def message(rng):
    f = fields(rng)
    primary = rng.choice(PRIMARY)
    others = [a for a in f if a not in PRIMARY]
    chosen = [primary] + rng.sample(others, rng.randint(0, 4))
    if rng.random() < 0.5:
        rng.shuffle(chosen)
    return [(a, f[a][0], f[a][1]) for a in chosen]


def render(elements):
    out = ""
    for i, (a, v, sep) in enumerate(elements):
        out += a + v
        if sep and i < len(elements) - 1:
            out += GS
    return out


def hri(elements):
    return "".join(f"({a})" + v.replace("(", "\\(") for a, v, _ in elements)


def mutate(rng, s):
    kind = rng.randrange(8)
    if kind == 0 and GS in s:  # lost separator
        return s.replace(GS, "", 1)
    if kind == 1:  # doubled separator
        i = s.find(GS)
        return s.replace(GS, GS + GS, 1) if i >= 0 else s + GS
    if kind == 2:  # trailing data
        return s + rng.choice(["aaa", "9", "12", "ZZZ"])
    if kind == 3:  # one digit changed
        i = rng.randrange(len(s))
        if s[i] in DIGITS:
            return s[:i] + str((int(s[i]) + 1) % 10) + s[i + 1:]
        return s
    if kind == 4:  # truncated
        return s[: max(2, len(s) - rng.randint(1, 5))]
    if kind == 5:  # a space or non-ASCII letter inside
        i = rng.randrange(2, max(3, len(s)))
        return s[:i] + rng.choice([" ", "\u00e9", "#"]) + s[i:]
    if kind == 6:  # an impossible date
        return "0109501101530000317" + rng.choice(["210431", "210230", "211301", "230229"]) + "10" + text(rng, 1, 8)
    return s + GS


def main():
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parents[2] / "Tests/GS1Fixtures/biip-corpus.txt"
    rng = random.Random(SEED)
    lines = list(COLLECTED)
    prefixes = ["", "]C1", "]d2", "]Q3", "]e0"]
    for _ in range(260):
        m = message(rng)
        lines.append(rng.choice(prefixes) + render(m))
    for _ in range(120):
        lines.append(rng.choice(prefixes) + mutate(rng, render(message(rng))))
    for _ in range(50):
        m = [e for e in message(rng) if e[0] not in ("91", "99")]
        lines.append(hri(m) if rng.random() < 0.8 else mutate(rng, hri(m)))
    for _ in range(60):
        n = rng.choice([8, 12, 13, 14])
        g = key(rng, n)
        if rng.random() < 0.3:
            g = g[:-1] + str((int(g[-1]) + 1) % 10)
        aim = {8: "]E4", 12: "]E0", 13: "]E0", 14: "]I1"}[n] if rng.random() < 0.5 else ""
        if aim == "]E0" and n == 12:
            g = "0" + g
        lines.append(aim + g)
    for _ in range(40):
        g = key(rng, 14)
        path = f"/01/{g}"
        if rng.random() < 0.6:
            path += "/10/" + text(rng, 1, 10, DIGITS + "ABCDEF")
        if rng.random() < 0.4:
            path += "/21/" + text(rng, 1, 10, DIGITS + "XYZ")
        q = []
        if rng.random() < 0.5:
            q.append("17=" + yymmdd(rng))
        if rng.random() < 0.3:
            q.append("3103=%06d" % rng.randint(0, 999999))
        uri = "https://id.example.com" + path + ("?" + "&".join(q) if q else "")
        lines.append(rng.choice(["", "]Q1"]) + uri)
    seen = set()
    unique = [l for l in lines if not (l in seen or seen.add(l))]
    out.write_text("\n".join(unique) + "\n", encoding="utf-8")
    print(f"make-corpus: {len(unique)} scans written to {out}")


main()
