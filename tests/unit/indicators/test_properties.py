"""Property tests: every format of one phone number is one canonical value, normalisation is
idempotent, and any text at all gives spans that index it."""

from __future__ import annotations

import phonenumbers
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from amparo.indicators import IndicatorType, canonical_phone, extract
from amparo.indicators.finance import canonical_reference
from amparo.indicators.names import canonical_name
from amparo.indicators.web import read_link

SEPARATORS = st.sampled_from([" ", "-", ".", "", "  ", " - "])
MX_AREA = st.sampled_from(["55", "33", "81", "222", "664", "998", "961", "656"])


@st.composite
def mexican_number(draw: st.DrawFn) -> str:
    area = draw(MX_AREA)
    rest = draw(st.text("0123456789", min_size=10 - len(area), max_size=10 - len(area)))
    national = area + rest
    parsed = phonenumbers.parse(national, "MX")
    assume(phonenumbers.is_valid_number(parsed))
    return national


@st.composite
def written(draw: st.DrawFn, national: str) -> str:
    """One way a person writes ``national``: a prefix, groups of 2–4, any separator."""
    prefix = draw(st.sampled_from(["", "+52 ", "+52 1 ", "+521", "0052 ", "044 ", "52 1 "]))
    groups, i = [], 0
    while i < len(national):
        size = draw(st.integers(2, 4))
        groups.append(national[i : i + size])
        i += size
    sep = draw(SEPARATORS)
    body = sep.join(groups)
    if prefix == "" and draw(st.booleans()) and len(groups[0]) in (2, 3):
        body = f"({groups[0]}) " + sep.join(groups[1:])
    return prefix + body


@settings(max_examples=300, deadline=None)
@given(data=st.data(), national=mexican_number())
def test_every_format_of_one_number_maps_to_one_canonical_value(
    data: st.DataObject, national: str
) -> None:
    expected = phonenumbers.format_number(
        phonenumbers.parse(national, "MX"), phonenumbers.PhoneNumberFormat.E164
    )
    text = data.draw(written(national))
    items = extract(f"me marcaron del {text}, ayer", region="MX")
    assert [(i.type, i.value) for i in items] == [(IndicatorType.PHONE, expected)], text


def _e164(national: str) -> str:
    return phonenumbers.format_number(
        phonenumbers.parse(national, "MX"), phonenumbers.PhoneNumberFormat.E164
    )


@settings(max_examples=300, deadline=None)
@given(
    data=st.data(),
    first=mexican_number(),
    second=mexican_number(),
    join=st.sampled_from([" ", "  ", "\t", "/", " / "]),
)
def test_two_numbers_side_by_side_are_two_numbers(
    data: st.DataObject, first: str, second: str, join: str
) -> None:
    a, b = data.draw(written(first)), data.draw(written(second))
    text = f"me marcaron del {a}{join}{b}, ayer"
    items = extract(text, region="MX")
    assert [(i.type, i.value) for i in items] == [
        (IndicatorType.PHONE, _e164(first)),
        (IndicatorType.PHONE, _e164(second)),
    ], text
    assert [text[i.start : i.end] for i in items] == [i.text for i in items]
    assert items[0].end <= items[1].start


@settings(max_examples=200, deadline=None)
@given(
    national=mexican_number(),
    # not 1, 11 or 52: "son 52 5512345678" reads as Mexico's country code written without "+",
    # "1 …" and "11 …" as the US's (libphonenumber takes the second 1 as the trunk prefix)
    count=st.integers(0, 99).filter(lambda n: n not in (1, 11, 52)),
    place=st.sampled_from(["son {count} {number}", "llame al {number} {count} veces"]),
)
def test_a_count_next_to_a_number_leaves_the_number_whole(
    national: str, count: int, place: str
) -> None:
    text = place.format(count=count, number=national)
    (item,) = extract(text, region="MX")
    assert (item.value, item.text) == (_e164(national), national)


@settings(max_examples=200, deadline=None)
@given(national=mexican_number())
def test_phone_normalisation_is_idempotent(national: str) -> None:
    once = canonical_phone(national, "MX")
    assert once is not None
    assert canonical_phone(once) == once
    assert canonical_phone(once, "US") == once


@given(st.text(max_size=60))
def test_name_and_reference_normalisation_are_idempotent(raw: str) -> None:
    assert canonical_name(canonical_name(raw)) == canonical_name(raw)
    assert canonical_reference(canonical_reference(raw)) == canonical_reference(raw)


@given(
    host=st.from_regex(r"[a-z][a-z0-9-]{0,12}\.(com|mx|org|ly)", fullmatch=True),
    path=st.from_regex(r"(/[A-Za-z0-9_-]{1,8}){0,3}", fullmatch=True),
    scheme=st.sampled_from(["http://", "https://", "HTTPS://www.", "", "www."]),
)
def test_url_normalisation_is_idempotent(host: str, path: str, scheme: str) -> None:
    first = read_link(scheme + host + path)
    assume(first is not None and first.kind == "url")
    assert first is not None
    again = read_link(first.value)
    assert again is not None
    assert again.value == first.value


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=300))
def test_any_text_gives_spans_that_index_it(text: str) -> None:
    for item in extract(text):
        assert text[item.start : item.end] == item.text
        assert item.value


def _fold_one_by_one(text: str) -> str:
    import unicodedata

    out = []
    for char in text:
        base = unicodedata.normalize("NFKD", char)[:1] or char
        lowered = base.lower()
        out.append(lowered if len(lowered) == 1 else char.lower()[:1] or " ")
    return "".join(out)


@given(st.text(max_size=60))
@settings(max_examples=300)
def test_the_same_length_views_keep_every_offset_and_match_the_rule_character_by_character(
    text: str,
) -> None:
    """``fold_same_length`` and ``digit_view`` run through translation tables filled on first
    use; this holds them to the plain per-character rule they cache."""
    from amparo.indicators.text import digit_view, fold_same_length

    folded = fold_same_length(text)
    assert folded == _fold_one_by_one(text)
    assert len(folded) == len(digit_view(text)) == len(text)


def test_the_digit_view_makes_digits_ascii_and_blanks_invisible_characters() -> None:
    from amparo.indicators.text import digit_view

    assert digit_view("٥٥\u200b١٢٣٤–5678 lO") == "55 1234-5678 lO"
    assert digit_view("55 l2O4 5678") == "55 1204 5678"


@given(
    taken=st.lists(st.tuples(st.integers(0, 60), st.integers(1, 8)), max_size=12),
    asked=st.tuples(st.integers(0, 70), st.integers(1, 10)),
)
def test_a_span_is_free_exactly_when_it_overlaps_no_span_taken(
    taken: list[tuple[int, int]], asked: tuple[int, int]
) -> None:
    """``Found`` keeps the spans taken merged and sorted (a bisection, not a scan of every
    span, so a text with thousands of numbers stays linear); it must answer as the scan did."""
    from amparo.indicators.found import Found
    from amparo.indicators.model import IndicatorType

    found = Found("x" * 80)
    spans = [(start, start + length) for start, length in taken]
    for start, end in spans:
        found.add(IndicatorType.URL, start, end, "v")
    start, end = asked[0], asked[0] + asked[1]
    assert found.free(start, end) == all(end <= s or start >= e for s, e in spans)


@given(
    data=st.data(),
    platform=st.sampled_from(["facebook", "instagram", "x", "telegram"]),
    rest=st.from_regex(
        r"(/[A-Za-z0-9_.-]{1,10}){0,3}/?(\?[a-z]{1,5}=[a-z0-9]{1,8})?", fullmatch=True
    ),
)
def test_a_platforms_own_page_never_becomes_a_profile(
    data: st.DataObject, platform: str, rest: str
) -> None:
    from amparo.indicators.web import _RESERVED, SOCIAL_HOSTS

    host = data.draw(st.sampled_from([h for h, p in SOCIAL_HOSTS.items() if p == platform]))
    page = data.draw(st.sampled_from(sorted(_RESERVED[platform])))
    link = read_link(f"https://{host}/{page}{rest}")
    assert link is None or link.value != f"{platform}:{page.lower()}"


@given(
    platform=st.sampled_from(["facebook", "instagram", "x", "telegram"]),
    handle=st.from_regex(r"[a-z][a-z0-9_]{4,14}", fullmatch=True),
    rest=st.sampled_from(["", "/", "/posts/123", "/status/1", "/?igsh=abc"]),
)
def test_a_profile_link_is_its_handle(platform: str, handle: str, rest: str) -> None:
    from amparo.indicators.web import _RESERVED, SOCIAL_HOSTS

    assume(handle not in _RESERVED[platform] and (platform != "facebook" or "_" not in handle))
    host = next(h for h, p in SOCIAL_HOSTS.items() if p == platform)
    link = read_link(f"https://www.{host}/{handle}{rest}")
    assert link is not None
    assert (link.kind, link.value) == ("social", f"{platform}:{handle}")


@given(
    path=st.from_regex(r"(/[A-Za-z0-9_-]{1,6}(['’][A-Za-z0-9_-]{1,4})?){1,3}", fullmatch=True),
    before=st.sampled_from(["", "'", "“", "‘", "(", "ver: "]),
    after=st.sampled_from(["", ".", "'", "',", "”", "’", ")", "!", "…"]),
)
def test_a_link_with_apostrophes_in_prose_is_whole_and_stable(
    path: str, before: str, after: str
) -> None:
    assume(not (before == "(" and after != ")") and not (after == ")" and before != "("))
    url = "https://pagos-ice.com" + path
    text = f"vea {before}{url}{after} hoy"
    (item,) = extract(text)
    assert item.text == url
    again = read_link(item.value)
    assert again is not None
    assert again.value == item.value


_SPOKEN = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]


@settings(max_examples=200, deadline=None)
@given(
    data=st.data(),
    number=st.sampled_from(["7135550199", "2815550124", "9565550144", "3055550100", "6195550153"]),
    join=st.sampled_from([" ", ", ", " - "]),
    around=st.sampled_from(["call {} now", "oh, {}", "{}, oh my god", "oh no, it was {}. oh"]),
)
def test_a_dictated_number_reads_the_same_with_oh_for_zero(
    data: st.DataObject, number: str, join: str, around: str
) -> None:
    words = [
        data.draw(st.sampled_from(["zero", "oh"])) if d == "0" else _SPOKEN[int(d)] for d in number
    ]
    text = around.format(join.join(words))
    (item,) = extract(text, region="US")
    assert item.value == "+1" + number, text
    assert text[item.start : item.end] == item.text
