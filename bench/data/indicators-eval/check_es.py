#!/usr/bin/env python3
"""Checker for the hand-written Spanish indicator evaluation set (es.jsonl).

Run with an environment that has: phonenumbers clabe base58 bech32 pycryptodome
    (the project venv has them: .venv/bin/python check_es.py)
    python check_es.py [path/to/es.jsonl]

Exits non-zero if any record fails.  Prints counts per type, region and kind.
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

N_EXPECTED = 320
REGIONS = {"MX", "GT", "HN", "SV", "US"}
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
# OCR confusions allowed inside numbers in the text (value is the corrected number)
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


def spelled(surface):
    """True when the phone is (partly) written in words."""
    return bool(
        re.search(
            r"[a-zA-Záéíóú]{3,}",
            surface.replace("wa.me", "")
            .replace("https", "")
            .replace("http", "")
            .replace("whats", "")
            .replace("Whats", "")
            .replace("WHATS", "")
            .replace("cel", "")
            .replace("tel", ""),
        )
    )


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
    cc = str(pn.country_code)
    nsn = str(pn.national_number)
    if cc in COUNTRY_LEN and len(nsn) != COUNTRY_LEN[cc]:
        return err(rid, f"phone national length wrong {v}")
    if v.startswith("+521") and len(v) == 14:
        return err(rid, f"MX phone keeps old mobile 1: {v}")
    if not spelled(surf):
        d = only_digits(surf, ocr=True)
        if not d.endswith(nsn):
            err(rid, f"phone value {v} does not match digits of text {surf!r}")


def check_url(rid, v):
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
    if t == "phone":
        check_phone(rid, ind)
    elif t == "clabe":
        if not clabe.validate_clabe(v):
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
        if (
            re.sub(r"[^A-Z0-9]", "", surf.upper()) != v
            and re.sub(r"[^A-Z0-9]", "", surf.translate(OCR_MAP).upper()) != v
        ):
            err(rid, f"transfer_ref text/value mismatch {surf!r} {v}")
    elif t == "email":
        if v != v.lower() or not re.fullmatch(r"[a-z0-9._%+\-]+@[a-z0-9.\-]+\.[a-z]{2,}", v):
            err(rid, f"email not normalised {v}")
        if surf.lower() != v:
            err(rid, f"email text/value mismatch {surf!r} {v}")
    elif t == "url":
        check_url(rid, v)
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
        else:
            if b58check_version(v) not in (0x00, 0x05):
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


def check_unlisted_numbers(rid, text, inds):
    """Long digit strings that are not listed must not be valid CLABEs or cards
    (hard negatives such as case numbers and folios must fail the checksums)."""
    spans = []
    for ind in inds:
        surf = ind.get("text") or ""
        start = text.find(surf)
        while start >= 0:
            spans.append((start, start + len(surf)))
            start = text.find(surf, start + 1)
    for m in re.finditer(r"\d(?:[ \-.]?\d){12,22}", text):
        if any(a < m.end() and m.start() < b for a, b in spans):
            continue
        d = only_digits(m.group())
        if len(d) == 18 and clabe.validate_clabe(d):
            err(rid, f"unlisted digit string is a valid CLABE: {m.group()!r}")
        if len(d) in (15, 16, 19) and luhn_ok(d):
            err(rid, f"unlisted digit string passes Luhn: {m.group()!r}")


def main():
    path = (
        sys.argv[1]
        if len(sys.argv) > 1
        else os.path.join(os.path.dirname(os.path.abspath(__file__)), "es.jsonl")
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
        if rid != f"ie-es-{i:04d}":
            err(rid, f"id out of sequence, expected ie-es-{i:04d}")
        if set(r) != {"id", "lang", "region", "kind", "text", "indicators"}:
            err(rid, f"record keys {sorted(r)}")
        if r.get("lang") != "es":
            err(rid, "lang != es")
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

    by_type = collections.Counter(d["type"] for r in recs for d in r.get("indicators", []))
    by_region = collections.Counter(r.get("region") for r in recs)
    by_kind = collections.Counter(r.get("kind") for r in recs)
    n_ind = collections.Counter(min(len(r.get("indicators", [])), 6) for r in recs)
    us_phone = sum(
        1
        for r in recs
        if any(
            d["type"] == "phone" and d["value"].startswith("+1") for d in r.get("indicators", [])
        )
    )
    crypto = sum(
        1 for r in recs if any(d["type"] in ("btc", "tron", "eth") for d in r.get("indicators", []))
    )

    print(f"records: {len(recs)}   indicators: {sum(by_type.values())}")
    print("per type:   " + ", ".join(f"{k}={v}" for k, v in by_type.most_common()))
    print("per region: " + ", ".join(f"{k}={v}" for k, v in by_region.most_common()))
    print("per kind:   " + ", ".join(f"{k}={v}" for k, v in by_kind.most_common()))
    print("indicators per record (6 = 6+): " + ", ".join(f"{k}:{n_ind[k]}" for k in sorted(n_ind)))
    print(f"records with a US (+1) phone: {us_phone}   records with crypto: {crypto}")
    if errors:
        print(f"\n{len(errors)} ERROR(S):")
        for e in errors:
            print("  " + e)
        sys.exit(1)
    print("\nOK: all checks passed")


if __name__ == "__main__":
    main()
