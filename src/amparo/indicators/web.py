"""E-mail addresses, links and social profiles.

Links are normalised with ``url-normalize`` (case, default ports, percent-encoding) and then
reduced further for matching: no ``www.``, no fragment, no trailing slash, no tracking
parameters. Profile links become ``platform:handle``; ``wa.me`` links are phone numbers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from email_validator import EmailNotValidError, validate_email
from url_normalize import url_normalize

EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]{1,64}@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,24}")
_TLDS = (
    "com|net|org|info|biz|io|co|me|ly|gl|gd|at|link|site|online|xyz|app|live|shop|store|top|"
    "club|page|us|mx|gt|hn|sv|ni|cr|pa|co\\.uk|es|gov|gob\\.mx|com\\.mx|org\\.mx|com\\.gt|"
    "com\\.hn|com\\.sv|cc|tv|to|ws|ru|cn"
)
URL = re.compile(
    r"(?:(?:https?://|www\.)[^\s<>\"'«»]+"
    rf"|(?<![\w@.-])(?:[A-Za-z0-9-]+\.)+(?:{_TLDS})(?:/[^\s<>\"'«»]*)?(?![\w@-]))",
    re.IGNORECASE,
)
_TRAILING = ".,;:!?)]}\"'»…"
SHORTENERS = frozenset(
    [
        "bit.ly",
        "tinyurl.com",
        "cutt.ly",
        "t.co",
        "goo.gl",
        "is.gd",
        "ow.ly",
        "rebrand.ly",
        "shorturl.at",
        "acortar.link",
        "rb.gy",
        "tiny.cc",
        "s.id",
        "buff.ly",
        "t.ly",
        "bitly.com",
        "shorturl.com",
        "v.gd",
        "lnkd.in",
    ]
)
_TRACKING = re.compile(r"^(?:utm_\w+|fbclid|gclid|mibextid|igshid|si|_rdr)$", re.IGNORECASE)

SOCIAL_HOSTS = {
    "facebook.com": "facebook",
    "m.facebook.com": "facebook",
    "web.facebook.com": "facebook",
    "mbasic.facebook.com": "facebook",
    "fb.com": "facebook",
    "instagram.com": "instagram",
    "tiktok.com": "tiktok",
    "vm.tiktok.com": "tiktok",
    "t.me": "telegram",
    "telegram.me": "telegram",
    "x.com": "x",
    "twitter.com": "x",
}
SOCIAL_PLATFORMS = frozenset(SOCIAL_HOSTS.values())
WHATSAPP_HOSTS = frozenset({"wa.me", "api.whatsapp.com", "whatsapp.com", "web.whatsapp.com"})
_HANDLE = re.compile(r"^@?([A-Za-z0-9_.]{2,50})$")
# "@handle" with the platform named next to it: "IG @el_chino", "@cobros_mx en Telegram".
_PLATFORM_WORDS = {
    "facebook": "facebook",
    "face": "facebook",
    "fb": "facebook",
    "instagram": "instagram",
    "insta": "instagram",
    "ig": "instagram",
    "tiktok": "tiktok",
    "tik tok": "tiktok",
    "telegram": "telegram",
    "tg": "telegram",
    "twitter": "x",
}
_PLATFORM = "|".join(sorted(map(re.escape, _PLATFORM_WORDS), key=len, reverse=True))
AT_HANDLE_AFTER = re.compile(
    rf"\b({_PLATFORM})\b[^\S\n]{{0,3}}[:\-]?[^\S\n]{{0,3}}(?:(?:como|as|es|is|user|usuario)[^\S\n]+)?"
    r"@([A-Za-z0-9_.]{2,50}[A-Za-z0-9_])",
    re.IGNORECASE,
)
AT_HANDLE_BEFORE = re.compile(
    rf"@([A-Za-z0-9_.]{{2,50}}[A-Za-z0-9_])[^\S\n]{{0,3}}(?:(?:en|on|de|in)[^\S\n]{{1,3}}|\(\s*)"
    rf"({_PLATFORM})\b",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class Link:
    kind: str  # "url", "social" or "phone"
    value: str  # canonical url, platform:handle, or the digits of a wa.me number
    shortener: bool = False


def trim_url(raw: str) -> str:
    """A link as found in prose loses the punctuation that ended the sentence."""
    while raw and raw[-1] in _TRAILING:
        if raw[-1] == ")" and raw.count("(") >= raw.count(")"):
            break
        raw = raw[:-1]
    return raw


def canonical_email(raw: str) -> str | None:
    try:
        result = validate_email(raw, check_deliverability=False)
    except EmailNotValidError:
        return None
    return str(result.normalized).lower()


def read_link(raw: str) -> Link | None:
    """Classify and canonicalise one link."""
    candidate = raw if re.match(r"^[a-z][a-z0-9+.-]*://", raw, re.IGNORECASE) else "https://" + raw
    try:
        normal = url_normalize(candidate)
        parts = urlsplit(normal or "")
    except ValueError:
        return None
    host = (parts.hostname or "").lower()
    if not host or "." not in host:
        return None
    if host.startswith("www."):
        host = host[4:]
    path = parts.path.rstrip("/")
    query = [
        (k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _TRACKING.match(k)
    ]
    if host in WHATSAPP_HOSTS:
        digits = re.sub(r"\D", "", path) or re.sub(r"\D", "", dict(query).get("phone", ""))
        return Link("phone", digits) if digits else None
    platform = SOCIAL_HOSTS.get(host)
    if platform:
        handle = _profile_handle(platform, path, dict(query))
        if handle:
            return Link("social", f"{platform}:{handle}")
    port = f":{parts.port}" if parts.port else ""
    value = urlunsplit((parts.scheme.lower(), host + port, path, urlencode(query), ""))
    return Link("url", value, shortener=host in SHORTENERS)


def _profile_handle(platform: str, path: str, query: dict[str, str]) -> str | None:
    segments = [s for s in path.split("/") if s]
    if platform == "facebook":
        if segments[:1] == ["profile.php"] and query.get("id", "").isdigit():
            return "id:" + query["id"]
        if segments[:1] == ["people"] and len(segments) >= 3 and segments[2].isdigit():
            return "id:" + segments[2]
        if segments and segments[0].lower() not in (
            "groups",
            "share",
            "photo",
            "watch",
            "story.php",
        ):
            return _handle(segments[0])
        return None
    if platform == "tiktok":
        if segments and segments[0].startswith("@"):
            return _handle(segments[0])
        return None
    if segments and segments[0].lower() not in (
        "p",
        "reel",
        "explore",
        "stories",
        "s",
        "joinchat",
        "share",
    ):
        return _handle(segments[0])
    if platform == "instagram" and len(segments) >= 2 and segments[0].lower() == "stories":
        return _handle(segments[1])
    return None


def _handle(segment: str) -> str | None:
    match = _HANDLE.match(segment)
    return match.group(1).lower().rstrip(".") if match else None


def platform_of(word: str) -> str:
    return _PLATFORM_WORDS[word.lower()]
