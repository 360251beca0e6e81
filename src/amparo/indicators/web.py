"""E-mail addresses, links and social profiles.

Links are normalised with ``url-normalize`` (case, default ports, percent-encoding) and then
reduced further for matching: no ``www.``, no fragment, no trailing slash, no tracking
parameters. Profile links become ``platform:handle``; the platforms' own pages (a photo, a reel,
the marketplace, a search) stay links, since they would link every report citing one; ``wa.me``
links are phone numbers.
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
# A link runs to the first space, angle bracket or double quote. An apostrophe is a character
# links may hold (RFC 3986 sub-delims: "/wiki/People's_Republic", "/it's-here"); one that ends
# the link is the prose's (a closing quote), and so is an English possessive after a profile.
URL = re.compile(
    r"(?:(?:https?://|www\.)[^\s<>\"«»“”„]+"
    rf"|(?<![\w@.-])(?:[A-Za-z0-9-]+\.)+(?:{_TLDS})(?:/[^\s<>\"«»“”„]*)?(?![\w@-]))",
    re.IGNORECASE,
)
_TRAILING = ".,;:!?)]}\"'»…’‘"
_POSSESSIVE = re.compile(r"['’]s$", re.IGNORECASE)
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
        "vm.tiktok.com",
        "vt.tiktok.com",
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


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# A profile's handle as each platform allows it: a path segment that does not fit is a page.
_HANDLES = {
    "facebook": re.compile(r"[A-Za-z0-9.]{5,50}"),
    "instagram": re.compile(r"[A-Za-z0-9_.]{1,30}"),
    "tiktok": re.compile(r"[A-Za-z0-9_.]{2,50}"),
    "telegram": re.compile(r"[A-Za-z0-9_]{5,32}"),
    "x": re.compile(r"[A-Za-z0-9_]{1,15}"),
}
# First path segments that are the platform's own pages, never a profile. Decided: a Facebook
# group is a place many strangers post in, not a person (it stays a link); /pages/Name/N is the
# page's numeric id, as profile.php?id=N is a profile's.
_RESERVED = {
    "facebook": _words(
        "about ads bookmarks business dialog events friends fundraisers gaming groups "
        "hashtag help home.php jobs legal live login marketplace media messages "
        "notifications pages people photo photos places plugins policies privacy "
        "profile.php recover reel reels saved search settings share sharer stories "
        "story.php terms video videos watch"
    ),
    "instagram": _words(
        "_u about accounts api ar challenge create developer direct directory emails "
        "explore graphql legal locations oauth p privacy reel reels s session stories terms "
        "topics tv web"
    ),
    "x": _words(
        "about account compose download explore hashtag help home i intent jobs login "
        "logout messages notifications privacy search settings share signup tos"
    ),
    "telegram": _words(
        "addemoji addstickers addtheme boost confirmphone invoice iv joinchat login proxy s "
        "setlanguage share socks"
    ),
}
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


def link_in_prose(raw: str) -> tuple[str, Link | None]:
    """A link as found in prose, and what it is: the sentence's punctuation left out, and
    "facebook.com/juan.perez's page" read as Juan Pérez's profile (a handle never holds an
    apostrophe, so the "'s" is English)."""
    raw = trim_url(raw)
    link = read_link(raw) if raw else None
    possessive = _POSSESSIVE.search(raw)
    if link is not None and link.kind == "url" and possessive:
        profile = read_link(raw[: possessive.start()])
        if profile is not None and profile.kind == "social":
            return raw[: possessive.start()], profile
    return raw, link


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
    # "%27" and "'" name the same path on every server; url-normalize keeps both as written
    path = parts.path.rstrip("/").replace("%27", "'")
    query = [
        (k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _TRACKING.match(k)
    ]
    if host in WHATSAPP_HOSTS:
        digits = re.sub(r"\D", "", path) or re.sub(r"\D", "", dict(query).get("phone", ""))
        return Link("phone", digits) if digits else None
    shortener = host in SHORTENERS
    platform = SOCIAL_HOSTS.get(host)
    if platform:
        segments = [s for s in path.split("/") if s]
        handle = _profile_handle(platform, segments, dict(query))
        if handle:
            return Link("social", f"{platform}:{handle}")
        shortener = shortener or _shared(platform, segments)
    port = f":{parts.port}" if parts.port else ""
    value = urlunsplit((parts.scheme.lower(), host + port, path, urlencode(query), ""))
    return Link("url", value, shortener=shortener)


def _profile_handle(platform: str, segments: list[str], query: dict[str, str]) -> str | None:
    """The profile a link on a platform points to, or None for the site's own pages (a photo,
    a reel, the marketplace, a search …): those would link every report that cites one."""
    first = segments[0].lower() if segments else ""
    if platform == "facebook":
        if first in ("profile.php", "story.php", "permalink.php"):
            # profile.php?id=N is the profile; a post's link names its author in ``id``
            return "id:" + query["id"] if query.get("id", "").isdigit() else None
        if first in ("people", "pages") and len(segments) >= 3 and segments[2].isdigit():
            return "id:" + segments[2]  # /people/Name/N, /pages/Name/N: the numeric id
    elif platform == "tiktok":
        return _handle(platform, first) if first.startswith("@") else None  # /@user/video/…
    elif platform == "instagram" and first in ("stories", "_u") and len(segments) >= 2:
        return _handle(platform, segments[1]) if segments[1] != "highlights" else None
    elif platform == "telegram" and first == "s" and len(segments) >= 2:
        return _handle(platform, segments[1])  # t.me/s/channel: the channel's public preview
    if first in _RESERVED.get(platform, ()) or first.endswith(".php"):
        return None
    return _handle(platform, first)  # x.com/user/status/N, instagram.com/user/reel/… → user


def _handle(platform: str, segment: str) -> str | None:
    handle = segment.removeprefix("@").rstrip(".")
    return handle.lower() if _HANDLES[platform].fullmatch(handle) else None


def _shared(platform: str, segments: list[str]) -> bool:
    """A platform's own short links, which hide where they lead."""
    first = segments[0].lower() if segments else ""
    return (platform, first) in (("facebook", "share"), ("tiktok", "t"))


def platform_of(word: str) -> str:
    return _PLATFORM_WORDS[word.lower()]
