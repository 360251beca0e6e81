#!/usr/bin/env python3
"""Checker for the hand-written English indicator evaluation set (en.jsonl).

Needs: phonenumbers clabe base58 bech32 pycryptodome
    (the project venv has them: .venv/bin/python check_en.py)
    python check_en.py [path/to/en.jsonl] [--review]

Exits non-zero if any record fails. Prints counts per type, region and kind.
--review also lists digit runs / links / @handles in the text that no indicator covers,
so a human can confirm each one is a deliberate hard negative.
"""

import collections
import json
import os
import re
import sys
import unicodedata
from urllib.parse import parse_qsl, urlsplit

import base58
import bech32
import clabe
import phonenumbers
from Crypto.Hash import keccak

N_EXPECTED = 220
LANG = "en"
REGIONS = {"US", "MX", "GT", "HN", "SV"}
KINDS = {"ransom_message", "narrative", "ocr", "form_notes", "chat_export"}
TYPES = {
    "phone",
    "clabe",
    "card",
    "mtcn",
    "transfer_ref",
    "email",
    "url",
    "social",
    "btc",
    "tron",
    "eth",
    "name",
}
SOCIAL_PLATFORMS = {"facebook", "instagram", "tiktok", "telegram", "x", "twitter", "youtube"}
SOCIAL_HOSTS = (
    "facebook.com",
    "fb.com",
    "instagram.com",
    "tiktok.com",
    "t.me",
    "telegram.me",
    "twitter.com",
    "x.com",
    "youtube.com",
    "wa.me",
    "api.whatsapp.com",
)
COUNTRY_LEN = {"52": 10, "502": 8, "503": 8, "504": 8, "1": 10}
REGION_CC = {"US": "1", "MX": "52", "GT": "502", "HN": "504", "SV": "503"}
# OCR confusions allowed inside numbers in the text (the value is the corrected number)
OCR_MAP = str.maketrans({"O": "0", "o": "0", "l": "1", "I": "1", "|": "1"})

errors = []


def err(rid, msg):
    errors.append(f"{rid}: {msg}")


def only_digits(s, ocr=False):
    if ocr:
        s = s.translate(OCR_MAP)
    return "".join(c for c in s if c.isdigit())


def luhn_ok(num):
    total = 0
    for i, ch in enumerate(reversed(num)):
        d = int(ch)
        if i % 2 == 1:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


def norm_name(s):
    s = unicodedata.normalize("NFD", s)
    s = "".join(c for c in s if unicodedata.category(c) != "Mn")
    return " ".join(s.lower().split())


def b58check_version(addr):
    try:
        raw = base58.b58decode_check(addr)
    except Exception:
        return None
    if len(raw) != 21:
        return None
    return raw[0]


def eip55_ok(addr):
    h = addr[2:]
    k = keccak.new(digest_bits=256)
    k.update(h.lower().encode())
    hh = k.hexdigest()
    return all(not (c.isalpha() and (int(hh[i], 16) >= 8) != c.isupper()) for i, c in enumerate(h))


WORDS = re.compile(
    r"\b(zero|oh|one|two|three|four|five|six|seven|eight|nine|double|triple|"
    r"cero|uno|dos|tres|cuatro|cinco|seis|siete|ocho|nueve)\b",
    re.I,
)


def spelled(surface):
    """True when the phone is (partly) written in words."""
    return bool(WORDS.search(surface))


def check_phone(rid, ind):
    v, surf = ind["value"], ind["text"]
    if not re.fullmatch(r"\+\d{8,15}", v):
        return err(rid, f"phone not E.164: {v}")
    try:
        pn = phonenumbers.parse(v)
    except phonenumbers.NumberParseException as e:
        return err(rid, f"phone unparsable {v}: {e}")
    if not phonenumbers.is_valid_number(pn):
        return err(rid, f"phone invalid {v}")
    if phonenumbers.format_number(pn, phonenumbers.PhoneNumberFormat.E164) != v:
        return err(rid, f"phone not canonical E.164 {v}")
    cc, nsn = str(pn.country_code), str(pn.national_number)
    if cc not in COUNTRY_LEN:
        err(rid, f"phone country code +{cc} outside the route (US/MX/GT/HN/SV)")
    elif len(nsn) != COUNTRY_LEN[cc]:
        return err(rid, f"phone national length wrong {v}")
    if cc == "52" and nsn.startswith("1") and len(nsn) == 11:
        return err(rid, f"MX phone keeps old mobile 1: {v}")
    if surf.startswith(("https://wa.me/", "http://wa.me/", "wa.me/")):
        d = only_digits(surf)
        if d != v[1:] and not (cc == "52" and d == "521" + nsn):
            err(rid, f"wa.me link {surf!r} does not match {v}")
    elif not spelled(surf):
        d = only_digits(surf, ocr=True)
        if not d.endswith(nsn):
            err(rid, f"phone value {v} does not match digits of text {surf!r}")
        else:
            prefix = d[: len(d) - len(nsn)]
            ok_prefixes = {"", cc, "00" + cc, "011" + cc}
            if cc == "52":
                ok_prefixes |= {"521", "00521", "044", "045", "01"}
            if prefix not in ok_prefixes:
                err(rid, f"phone {surf!r}: unexpected prefix {prefix!r} for {v}")
    return None


def check_url(rid, v, surf):
    p = urlsplit(v)
    if p.scheme not in ("http", "https"):
        return err(rid, f"url without http(s) scheme: {v}")
    if p.netloc != p.netloc.lower() or p.netloc.startswith("www."):
        err(rid, f"url host not normalised: {v}")
    if p.fragment or "#" in v:
        err(rid, f"url keeps fragment: {v}")
    if v.endswith("/"):
        err(rid, f"url trailing slash: {v}")
    if any(k.lower().startswith("utm_") for k, _ in parse_qsl(p.query)):
        err(rid, f"url keeps utm_: {v}")
    host = p.netloc
    if any(host == h or host.endswith("." + h) for h in SOCIAL_HOSTS):
        err(rid, f"url should be social/phone: {v}")
    if host not in surf.lower():
        err(rid, f"url host {host} not in text {surf!r}")
    if p.path and p.path.rstrip("/") not in surf:
        err(rid, f"url path {p.path} not in text {surf!r} (case must be kept)")


def check_indicator(rid, ind, text):
    t, v, surf = ind.get("type"), ind.get("value"), ind.get("text")
    if set(ind) != {"type", "value", "text"}:
        err(rid, f"indicator keys {sorted(ind)}")
    if t not in TYPES:
        return err(rid, f"unknown type {t}")
    if not isinstance(v, str) or not v or not isinstance(surf, str) or not surf:
        return err(rid, f"empty value/text in {ind}")
    if text.find(surf) < 0:
        err(rid, f"text not found: {surf!r}")
    if surf != surf.strip():
        err(rid, f"indicator text has surrounding whitespace: {surf!r}")
    if t == "phone":
        check_phone(rid, ind)
    elif t == "clabe":
        if not (len(v) == 18 and v.isdigit() and clabe.validate_clabe(v)):
            err(rid, f"CLABE invalid {v}")
        if only_digits(surf, ocr=True) != v:
            err(rid, f"CLABE text/value mismatch {surf!r} {v}")
    elif t == "card":
        if not (v.isdigit() and len(v) in (15, 16, 19) and luhn_ok(v)):
            err(rid, f"card invalid {v}")
        if only_digits(surf, ocr=True) != v:
            err(rid, f"card text/value mismatch {surf!r} {v}")
    elif t == "mtcn":
        if not (v.isdigit() and len(v) == 10):
            err(rid, f"MTCN not 10 digits {v}")
        if only_digits(surf, ocr=True) != v:
            err(rid, f"MTCN text/value mismatch {surf!r} {v}")
    elif t == "transfer_ref":
        if not re.fullmatch(r"[A-Z0-9]+", v):
            err(rid, f"transfer_ref not normalised {v}")
        if re.sub(r"[^A-Z0-9]", "", surf.upper()) != v:
            err(rid, f"transfer_ref text/value mismatch {surf!r} {v}")
    elif t == "email":
        if v != v.lower() or not re.fullmatch(r"[a-z0-9._%+\-]+@[a-z0-9.\-]+\.[a-z]{2,}", v):
            err(rid, f"email not normalised {v}")
        if surf.lower() != v:
            err(rid, f"email text/value mismatch {surf!r} {v}")
    elif t == "url":
        check_url(rid, v, surf)
    elif t == "social":
        m = re.fullmatch(r"([a-z]+):(id:)?([a-z0-9._\-]+)", v)
        if not m or m.group(1) not in SOCIAL_PLATFORMS:
            return err(rid, f"social not platform:handle {v}")
        if m.group(2) and not (m.group(1) == "facebook" and m.group(3).isdigit()):
            err(rid, f"social id form only for numeric facebook ids {v}")
        if m.group(3) not in surf.lower():
            err(rid, f"social handle not in text {surf!r} {v}")
    elif t == "btc":
        if v.lower().startswith("bc1"):
            if v != v.lower():
                err(rid, f"bech32 not lowercase {v}")
            ver, _prog = bech32.decode("bc", v)
            if ver is None:
                err(rid, f"bech32 invalid {v}")
        elif b58check_version(v) not in (0x00, 0x05):
            err(rid, f"btc base58check invalid {v}")
        if surf != v and surf.lower() != v:
            err(rid, f"btc text/value mismatch {surf!r} {v}")
    elif t == "tron":
        if len(v) != 34 or not v.startswith("T") or b58check_version(v) != 0x41:
            err(rid, f"tron invalid {v}")
        if surf != v:
            err(rid, f"tron text/value mismatch {surf!r} {v}")
    elif t == "eth":
        if not re.fullmatch(r"0x[0-9a-f]{40}", v):
            err(rid, f"eth not lowercase 0x+40hex {v}")
        if surf.lower() != v:
            err(rid, f"eth text/value mismatch {surf!r} {v}")
        elif surf != surf.lower() and not eip55_ok(surf):
            err(rid, f"eth EIP-55 checksum wrong in text {surf}")
    elif t == "name" and norm_name(surf) != v:
        err(rid, f"name not normalised {surf!r} -> {v!r}")
    return None


DIGIT_RUN = re.compile(r"\d(?:[ \-]?\d)+")


def check_unlisted_numbers(rid, text, inds):
    """A hard negative must really be negative: a digit run that no indicator covers must not be
    a Luhn-valid card (15/16/19 digits) nor a valid CLABE (18 digits)."""
    spans = []
    for d in inds:
        p = text.find(d.get("text") or "\0")
        if p >= 0:
            spans.append((p, p + len(d["text"])))
    for m in DIGIT_RUN.finditer(text):
        if any(a <= m.start() < b for a, b in spans):
            continue
        digits = only_digits(m.group(0))
        if len(digits) in (15, 16, 19) and luhn_ok(digits):
            err(rid, f"unlisted digit run {m.group(0)!r} is a Luhn-valid card number")
        if len(digits) == 18 and clabe.validate_clabe(digits):
            err(rid, f"unlisted digit run {m.group(0)!r} is a valid CLABE")


CANDIDATE = re.compile(
    r"(?:https?://|www\.)\S+|\b[\w.-]+\.(?:com|net|org|info|ly|me|mx|gt|us|site|online|xyz|app|co)\b\S*"
    r"|@\w[\w.]*|\+?\d[\d \-.()]{5,}\d"
)


def review(r):
    text = r["text"]
    spans = []
    for d in r["indicators"]:
        start = 0
        while True:
            p = text.find(d["text"], start)
            if p < 0:
                break
            spans.append((p, p + len(d["text"])))
            start = p + 1
    out = []
    for m in CANDIDATE.finditer(text):
        if not any(a <= m.start() < b or a < m.end() <= b for a, b in spans):
            out.append(m.group(0))
    return out


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    do_review = "--review" in sys.argv
    path = (
        args[0]
        if args
        else os.path.join(os.path.dirname(os.path.abspath(__file__)), f"{LANG}.jsonl")
    )
    recs = []
    with open(path, encoding="utf-8") as fh:
        for ln, line in enumerate(fh, 1):
            try:
                recs.append(json.loads(line))
            except json.JSONDecodeError as e:
                errors.append(f"line {ln}: invalid JSON: {e}")
    if len(recs) != N_EXPECTED:
        errors.append(f"expected {N_EXPECTED} records, got {len(recs)}")
    ids = [r.get("id") for r in recs]
    if len(set(ids)) != len(ids):
        errors.append("duplicate ids")
    for i, r in enumerate(recs, 1):
        rid = r.get("id")
        if rid != f"ie-{LANG}-{i:04d}":
            err(rid, f"id out of sequence, expected ie-{LANG}-{i:04d}")
        if set(r) != {"id", "lang", "region", "kind", "text", "indicators"}:
            err(rid, f"record keys {sorted(r)}")
        if r.get("lang") != LANG:
            err(rid, f"lang != {LANG}")
        if r.get("region") not in REGIONS:
            err(rid, f"region {r.get('region')}")
        if r.get("kind") not in KINDS:
            err(rid, f"kind {r.get('kind')}")
        text = r.get("text", "")
        if not isinstance(text, str) or not text.strip():
            err(rid, "empty text")
            continue
        nlines = len(text.split("\n"))
        if not 1 <= nlines <= 12:
            err(rid, f"{nlines} lines")
        inds = r.get("indicators")
        if not isinstance(inds, list):
            err(rid, "indicators not a list")
            continue
        pos = 0
        for ind in inds:
            check_indicator(rid, ind, text)
            surf = ind.get("text") or ""
            p = text.find(surf, pos)
            if p < 0 and text.find(surf) >= 0:
                err(rid, f"indicator out of order: {surf!r}")
            elif p >= 0:
                pos = p
        check_unlisted_numbers(rid, text, inds)
        keys = [(d.get("type"), d.get("value"), d.get("text")) for d in inds]
        if len(set(keys)) != len(keys):
            err(rid, "duplicate indicator (same type, value and text)")
        if do_review:
            left = review(r)
            if left:
                print(f"[review] {rid} ({r.get('region')}): not listed: {left}")

    by_type = collections.Counter(d["type"] for r in recs for d in r.get("indicators", []))
    by_region = collections.Counter(r.get("region") for r in recs)
    by_kind = collections.Counter(r.get("kind") for r in recs)
    n_ind = collections.Counter(min(len(r.get("indicators", [])), 6) for r in recs)
    crypto = sum(
        1 for r in recs if any(d["type"] in ("btc", "tron", "eth") for d in r.get("indicators", []))
    )
    cc = collections.Counter(
        str(phonenumbers.parse(d["value"]).country_code)
        for r in recs
        for d in r.get("indicators", [])
        if d["type"] == "phone"
        and not any(e.startswith(r.get("id", "?") + ": phone") for e in errors)
    )

    print(f"records: {len(recs)}   indicators: {sum(by_type.values())}")
    print("per type:   " + ", ".join(f"{k}={v}" for k, v in by_type.most_common()))
    print("per region: " + ", ".join(f"{k}={v}" for k, v in by_region.most_common()))
    print("per kind:   " + ", ".join(f"{k}={v}" for k, v in by_kind.most_common()))
    print("phones by country code: " + ", ".join(f"+{k}={v}" for k, v in cc.most_common()))
    print("indicators per record (6 = 6+): " + ", ".join(f"{k}:{n_ind[k]}" for k in sorted(n_ind)))
    print(f"records with crypto: {crypto}")
    if errors:
        print(f"\n{len(errors)} ERROR(S):")
        for e in errors:
            print("  " + e)
        sys.exit(1)
    print("\nOK: all checks passed")


if __name__ == "__main__":
    main()
