"""Indicator extraction: each type, the messy ways people write them, and the look-alikes that
are not indicators."""

from __future__ import annotations

import clabe
import pytest
from hypothesis import given
from hypothesis import strategies as st
from stdnum import luhn

from amparo.indicators import Indicator, IndicatorType, canonical_phone, extract
from amparo.indicators.crypto import eip55

T = IndicatorType


def found(text: str, region: str | None = "MX") -> list[tuple[str, str]]:
    return [(i.type.value, i.value) for i in extract(text, region=region)]


def with_control(prefix17: str) -> str:
    return prefix17 + str(clabe.compute_control_digit(prefix17))


def with_luhn(prefix: str) -> str:
    return prefix + luhn.calc_check_digit(prefix)


@pytest.mark.parametrize(
    "written",
    [
        "55 1234 5678",
        "55-12-34-56-78",
        "(55) 1234-5678",
        "55.1234.5678",
        "5512345678",
        "+52 55 1234 5678",
        "+52 1 55 1234 5678",
        "+5215512345678",
        "0052 55 1234 5678",
        "044 55 1234 5678",
        "521 55 1234 5678",
        "55 l234 5678",
        "５５ １２３４ ５６７８",
        "55\u200b1234\u200b5678",
        "cinco cinco, doce, treinta y cuatro, cincuenta y seis, setenta y ocho",
        "cinco cinco uno dos tres cuatro cinco seis siete ocho",
    ],
)
def test_every_way_of_writing_a_mexican_mobile_is_one_number(written: str) -> None:
    text = f"me marcaron del {written} ayer"
    (indicator,) = extract(text, region="MX")
    assert indicator.type is T.PHONE
    assert indicator.value == "+525512345678"
    assert text[indicator.start : indicator.end] == indicator.text
    assert indicator.text.strip() == written.strip()


def test_a_number_without_country_code_stays_ambiguous_and_the_region_decides() -> None:
    (mx,) = extract("llamaron del (713) 555-0199", region="MX")
    (us,) = extract("llamaron del (713) 555-0199", region="US")
    assert mx.value == "+527135550199"
    assert mx.candidates == ("+17135550199",)
    assert us.value == "+17135550199"
    assert us.candidates == ("+527135550199",)
    assert mx.ambiguous
    assert mx.confidence < 0.9


def test_a_country_named_right_before_the_number_wins_over_the_region() -> None:
    assert found("un número de Estados Unidos: 713 555 0199", "MX") == [("phone", "+17135550199")]
    assert found("a Guatemala cell 5512 3456", "US") == [("phone", "+50255123456")]


def test_an_international_number_is_not_ambiguous() -> None:
    (indicator,) = extract("+1 (713) 555-0199", region="MX")
    assert indicator.value == "+17135550199"
    assert not indicator.candidates


@pytest.mark.parametrize(
    "text",
    [
        "el 12/03/2026 a las 21:14",
        "fecha 12.03.2026",
        "pidieron $1,500,000 pesos",
        "pidieron 1.500.000 pesos",
        "expediente 2026-1234",
        "case number 2026-1234567",
        "llame al 911 o al 089",
        "tiene 25 años, mide 1.70",
        "A-number 212-345-678",
        "ZIP 77001",
    ],
)
def test_dates_amounts_case_numbers_and_short_lines_are_not_indicators(text: str) -> None:
    assert extract(text, region="MX") == []


A = "+525512345678"  # 55 1234 5678
B = "+525587654321"  # 55 8765 4321


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("tel 5512345678 5587654321", [("5512345678", A), ("5587654321", B)]),
        ("55 1234 5678 55 8765 4321", [("55 1234 5678", A), ("55 8765 4321", B)]),
        ("tel 55 1234 5678/55 8765 4321", [("55 1234 5678", A), ("55 8765 4321", B)]),
        ("5512345678/5587654321", [("5512345678", A), ("5587654321", B)]),
        ("(55) 1234 5678 (55) 8765 4321", [("(55) 1234 5678", A), ("(55) 8765 4321", B)]),
        ("+52 55 1234 5678 55 8765 4321", [("+52 55 1234 5678", A), ("55 8765 4321", B)]),
        ("llame al 55 1234 5678 3 veces", [("55 1234 5678", A)]),
        ("son 2 5512345678", [("5512345678", A)]),
        ("son 2 5512345678 5587654321", [("5512345678", A), ("5587654321", B)]),
        ("Cel.5512345678", [("5512345678", A)]),
        ("Tel.+52 55 1234 5678", [("+52 55 1234 5678", A)]),
        ("el 23/03/2026 llamó 5512345678", [("5512345678", A)]),
    ],
)
def test_numbers_side_by_side_are_each_read_once(
    text: str, expected: list[tuple[str, str]]
) -> None:
    items = extract(text, region="MX")
    assert [(i.text, i.value) for i in items] == expected
    assert all(text[i.start : i.end] == i.text for i in items)
    # Written without "+52", 55 1234 5678 is also a valid US number: kept ambiguous, as designed.
    for item in items:
        ambiguous = item.value == A and not item.text.startswith("+")
        assert item.candidates == (("+15512345678",) if ambiguous else ())


def test_found_by_the_properties() -> None:
    # Mexico's old international prefix 09: a stray 0 before a Cancún number is not Iran (+98)
    assert found("son 0 9980111000") == [("phone", "+529980111000")]
    # two ways to cut a run: the one that reads the region's numbers, not Guatemala + Singapore
    assert found("55 00 0000 00 65 62 00 0000") == [
        ("phone", "+525500000000"),
        ("phone", "+526562000000"),
    ]
    # the US's 011 and everyone's 00 still dial out
    assert found("llame al 011 52 55 1234 5678") == [("phone", A)]


@pytest.mark.parametrize(
    "text",
    [
        "4152 3137 1234 5670",  # a card that fails Luhn: not two Guatemalan numbers
        "4152 3137 1234 5678 4152 3137 8765 4321",
        "0021 8070 0123 4567 89",  # a CLABE with a wrong control digit
        "el 23 03 2026",
        "12 3456 7890",  # a count and a Guatemalan number? Not as written.
        "caso 2026/55123456",
        "pidieron 5512345678 3 mil pesos",
        "MTCN 123 456 7890 5512345678",
    ],
)
def test_splitting_runs_makes_no_number_nobody_wrote(text: str) -> None:
    assert not any(kind == "phone" for kind, _ in found(text))


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("five five oh one two three four five six seven", "+525501234567"),
        ("call me at seven one three, five five five, oh one nine nine", "+17135550199"),
        ("seven eight six, five five five, oh one two two.", "+17865550122"),
        ("seven one three five five five one two three oh", "+17135551230"),  # a last zero
        ("seven one three five five five oh one nine nine, oh my god", "+17135550199"),
        ("oh, seven one three five five five oh one nine nine", "+17135550199"),
    ],
)
def test_an_english_oh_in_a_dictated_number_is_a_zero(text: str, value: str) -> None:
    (item,) = extract(text, region="US")
    assert item.value == value
    assert not item.text.lower().startswith("oh")  # no number on the route starts with 0


@pytest.mark.parametrize(
    "text",
    [
        "oh no oh my god",
        "Oh, one, two, three, four!",
        "oh oh oh oh, he said five oh five",
        "five oh five oh five oh five",
        "oh well, one or two or three of them, oh",
    ],
)
def test_oh_in_ordinary_english_is_no_number(text: str) -> None:
    assert extract(text, region="US") == []


def test_clabe_needs_its_control_digit_and_is_shown_masked() -> None:
    good = with_control("00218070012345678")
    bad = good[:-1] + str((int(good[-1]) + 1) % 10)
    (indicator,) = extract(f"deposite a la CLABE {good[:3]} {good[3:6]} {good[6:]}")
    assert (indicator.type, indicator.value) == (T.CLABE, good)
    assert indicator.display == f"002 •••• {good[-4:]}"
    assert found(f"folio de expediente {bad}") == []
    assert not any(kind == "clabe" for kind, _ in found(f"cuenta {bad}"))


def test_cards_pass_luhn_and_are_never_shown_whole() -> None:
    card = with_luhn("415231371234567")
    (indicator,) = extract(f"tarjeta OXXO {card[:4]}-{card[4:8]}-{card[8:12]}-{card[12:]}")
    assert (indicator.type, indicator.value) == (T.CARD, card)
    assert indicator.display == "•••• " + card[-4:]
    assert card not in indicator.display
    not_luhn = card[:-1] + str((int(card[-1]) + 1) % 10)
    assert not any(kind == "card" for kind, _ in found(f"tarjeta {not_luhn}"))


def test_mtcn_and_transfer_references_need_their_words() -> None:
    assert found("Western Union, MTCN 123-456-7890") == [("mtcn", "1234567890")]
    assert found("folio de la transferencia: EKT-2026-88812") == [("transfer_ref", "EKT202688812")]
    assert found("clave de rastreo MBAN01002611290012345678") == [
        ("transfer_ref", "MBAN01002611290012345678")
    ]
    assert found("folio de expediente 2026/1234 en la fiscalía") == []


def test_links_social_profiles_and_whatsapp() -> None:
    text = (
        "escriba a https://wa.me/5215512345678 o en www.Facebook.com/Juan.Perez.5623/?mibextid=x, "
        "m.facebook.com/profile.php?id=100087654321098, instagram.com/el_chino_mx/, "
        "t.me/cobros_mx, tiktok.com/@comandante_z, pague en bit.ly/3xYz. "
        "Info: https://WWW.Pagos-ICE.com/bond/?utm_source=fb#top"
    )
    assert found(text) == [
        ("phone", "+525512345678"),
        ("social", "facebook:juan.perez.5623"),
        ("social", "facebook:id:100087654321098"),
        ("social", "instagram:el_chino_mx"),
        ("social", "telegram:cobros_mx"),
        ("social", "tiktok:@comandante_z".replace("@", "")),
        ("url", "https://bit.ly/3xYz"),
        ("url", "https://pagos-ice.com/bond"),
    ]
    shortener = next(i for i in extract(text) if i.type is T.URL)
    assert shortener.shortener


@pytest.mark.parametrize(
    ("link", "expected"),
    [
        # the platforms' own pages: links, never profiles (they would link unrelated reports)
        ("facebook.com/photo.php?fbid=123&set=a.456", "url"),
        ("facebook.com/marketplace/item/123", "url"),
        ("facebook.com/reel/123", "url"),
        ("facebook.com/events/123", "url"),
        ("facebook.com/messages/t/123", "url"),
        ("facebook.com/sharer/sharer.php?u=https://x.org", "url"),
        ("facebook.com/groups/123456", "url"),  # decided: a group is a place, not a person
        ("facebook.com/watch?v=123", "url"),
        ("facebook.com/story.php?story_fbid=1", "url"),
        ("facebook.com/profile.php", "url"),
        ("m.facebook.com/login.php", "url"),
        ("instagram.com/reels/abc", "url"),
        ("instagram.com/reel/abc/", "url"),
        ("instagram.com/p/abc/", "url"),
        ("instagram.com/tv/abc", "url"),
        ("instagram.com/accounts/login/", "url"),
        ("instagram.com/explore/tags/x/", "url"),
        ("instagram.com/stories/highlights/123/", "url"),
        ("x.com/home", "url"),
        ("twitter.com/search?q=x", "url"),
        ("x.com/i/flow/login", "url"),
        ("twitter.com/intent/tweet?text=x", "url"),
        ("x.com/hashtag/migrantes", "url"),
        ("t.me/joinchat/AbC", "url"),
        # the profile a page belongs to
        ("facebook.com/profile.php?id=100087654321098", "facebook:id:100087654321098"),
        ("facebook.com/pages/Juan-Perez/12345", "facebook:id:12345"),  # decided: the page's id
        ("facebook.com/story.php?story_fbid=1&id=100087654321098", "facebook:id:100087654321098"),
        ("facebook.com/permalink.php?story_fbid=1&id=61554820917733", "facebook:id:61554820917733"),
        ("facebook.com/Juan.Perez.5623/posts/123", "facebook:juan.perez.5623"),
        ("instagram.com/stories/el_chino_mx/123/", "instagram:el_chino_mx"),
        ("instagram.com/el_chino_mx/reel/abc", "instagram:el_chino_mx"),
        ("x.com/juan_perez/status/123", "x:juan_perez"),
        ("tiktok.com/@juan.mx/video/123", "tiktok:juan.mx"),
        ("t.me/s/cobros_mx", "telegram:cobros_mx"),
    ],
)
def test_site_pages_are_not_profiles(link: str, expected: str) -> None:
    (item,) = extract(f"vea {link} ahora")
    assert item.text == link
    if expected == "url":
        assert item.type is T.URL
    else:
        assert (item.type, item.value) == (T.SOCIAL, expected)


@pytest.mark.parametrize(
    "link",
    [
        "vm.tiktok.com/ZM123/",
        "vt.tiktok.com/ZS123/",
        "tiktok.com/t/ZT123/",
        "facebook.com/share/1Ab/",
    ],
)
def test_the_platforms_short_links_are_flagged_as_shorteners(link: str) -> None:
    (item,) = extract(f"vea {link} ahora")
    assert (item.type, item.shortener) == (T.URL, True)


@pytest.mark.parametrize(
    ("text", "written", "value"),
    [
        # RFC 3986 lets a link hold an apostrophe (a sub-delim); people paste them
        ("vea https://example.com/it's-here hoy", "https://example.com/it's-here", None),
        ("https://example.com/it%27s-here", None, "https://example.com/it's-here"),
        ("es.wikipedia.org/wiki/People's_Republic.", None, None),
        ("https://example.com/pago?nombre=o'brien&x=1", None, None),
        # an apostrophe or quote that ends the link is the sentence's
        ("see 'https://pagos-ice.com/bond', then", "https://pagos-ice.com/bond", None),
        ("visita “www.pagos-ice.com/bond” ya", "www.pagos-ice.com/bond", None),
        ("abra ‘pagos-ice.com/bond’", "pagos-ice.com/bond", None),
        # an English possessive after a profile: the profile
        ("she went to facebook.com/karen.lopez's page", "facebook.com/karen.lopez", None),
        ("instagram.com/el_chino_mx’s stories", "instagram.com/el_chino_mx", None),
    ],
)
def test_links_keep_their_apostrophes(text: str, written: str | None, value: str | None) -> None:
    (item,) = extract(text)
    assert item.text == (written or text.rstrip("."))
    assert text[item.start : item.end] == item.text
    if value:
        assert item.value == value
    if item.type is T.URL:
        assert "'" not in item.text or "'" in item.value or "%27" in item.value


def test_handles_need_their_platform_and_emails_are_lowercased() -> None:
    assert found("búsquenlo en IG @el_chino_mx o @cobros_mx en Telegram") == [
        ("social", "instagram:el_chino_mx"),
        ("social", "telegram:cobros_mx"),
    ]
    assert found("saludos @todos") == []
    assert found("correo: Cobros.MX@Gmail.com.") == [("email", "cobros.mx@gmail.com")]


def test_wallets_are_checked() -> None:
    eth_hex = "52908400098527886e0f7030069857d2e4169ee7"
    text = (
        f"pague en 0x{eip55(eth_hex)} o bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq "
        "o 1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2 o USDT TRC20 TLa2f6VPqDgRE67v1736s7bJ8Ray5wYjU7"
    )
    assert found(text) == [
        ("eth", "0x" + eth_hex),
        ("btc", "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq"),
        ("btc", "1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2"),
        ("tron", "TLa2f6VPqDgRE67v1736s7bJ8Ray5wYjU7"),
    ]
    mixed = "5aaeb6053f3e94c9b9a09f33669435e7ef1beaed"  # EIP-55's own example
    assert found(f"wallet 0x{eip55(mixed)}") == [("eth", "0x" + mixed)]
    broken_checksum = "0x" + eip55(mixed).swapcase()
    assert found(f"wallet {broken_checksum}") == []
    assert found("1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN3") == []


def test_names_only_where_introduced() -> None:
    assert found("a nombre de José Ángel Ramírez en Banco Azteca") == [
        ("name", "jose angel ramirez")
    ]
    assert found('se hace llamar "El Comandante Z" y dice') == [("name", "el comandante z")]
    assert found("beneficiary: MARIA DE LOS ANGELES CRUZ") == [
        ("name", "maria de los angeles cruz")
    ]
    assert found("José Ángel Ramírez llamó llorando") == []


def test_a_number_split_over_two_lines_by_ocr_is_one_number() -> None:
    (indicator,) = extract("Tel 55 1234\n5678 gracias", region="MX")
    assert indicator.value == "+525512345678"


def test_warning_listed_values_are_extracted_and_marked() -> None:
    (indicator,) = extract("denuncie al Consejo Ciudadano 55 5533 5533", region="MX")
    assert indicator.value == "+525555335533"
    assert indicator.warning
    assert "Consejo Ciudadano" in indicator.warning


def test_spans_always_index_the_original_text() -> None:
    text = "ÁÉÍ 📞 +52 1 55 1234 5678 — CLABE 002180700123456788 ✅ a nombre de Ana Ruiz"
    items: list[Indicator] = extract(text)
    assert [i.type for i in items] == [T.PHONE, T.CLABE, T.NAME]
    for item in items:
        assert text[item.start : item.end] == item.text


def test_canonical_phone_for_a_single_field() -> None:
    assert canonical_phone("(713) 555-0199", "US") == "+17135550199"
    assert canonical_phone("+52 1 55 1234 5678") == "+525512345678"
    assert canonical_phone("hola") is None


def test_hostile_input_is_bounded() -> None:
    with pytest.raises(ValueError, match="longer than"):
        extract("1" * 300_000)
    assert extract("") == []
    assert extract("\x00\x01\ufffd" * 1000) == []
    many = " ".join(f"+52 55 {n:04d} {n:04d}" for n in range(1000, 1400))
    assert len(extract(many)) == 400


def test_what_reports_really_look_like() -> None:
    clabe_number = with_control("01418063918399633")
    wrapped = (
        f"CLABE {clabe_number[:4]} {clabe_number[4:8]} {clabe_number[8:12]}\n{clabe_number[12:]}"
    )
    assert found(wrapped + "\nSantander a nombre de\nNoemí Vargas Ibarra\nson 25 mil") == [
        ("clabe", clabe_number),
        ("name", "noemi vargas ibarra"),
    ]
    assert found("Alias: El Güero / La Flaca\nTitular tarjetas: Yesenia Gil Ramos") == [
        ("name", "el guero"),
        ("name", "la flaca"),
        ("name", "yesenia gil ramos"),
    ]
    assert found("a nombre del asistente Kevin Orellana y me manda el folio") == [
        ("name", "kevin orellana")
    ]
    assert found("paid $700 via MoneyGram ref 4419 7730") == [("transfer_ref", "44197730")]
    assert found("referencia de Remitly: RM-7YQ4-X2K8-1093. Luego") == [
        ("transfer_ref", "RM7YQ4X2K81093")
    ]
    assert found("@vale_rz.oficial (IG) y 664 lO9 3377") == [
        ("social", "instagram:vale_rz.oficial"),
        ("phone", "+526641093377"),
    ]
    assert found("Clave de rastreo\nMBAN01002603140093318275\n11/mar/2026 14:22:07") == [
        ("transfer_ref", "MBAN01002603140093318275")
    ]
    assert found("under the name Rolando Vega Torres. No policía") == [
        ("name", "rolando vega torres")
    ]


def test_leaving_names_out_changes_nothing_else() -> None:
    """The check endpoint looks up what a message holds but never a name alone, so it skips
    the name search; everything else must come out the same."""
    from amparo.indicators import extract

    texts = [
        "Deposita a nombre de Juan Pérez López al 55 1234 5678, cuenta 012180001234567891",
        "A nombre de Marta Ramírez Soto, llame al +1 (713) 555-0199 o a cobros@example.org",
        "a nombre de Rosa Hernández por Elektra, ref 1234567890, o @cobrador_mx en Telegram",
    ]
    for text in texts:
        everything = extract(text)
        assert any(item.type.value == "name" for item in everything)
        assert extract(text, names=False) == [i for i in everything if i.type.value != "name"]


def test_a_short_folio_is_not_a_reference_that_could_join_strangers() -> None:
    """ "folio 123" in a ransom message and "referencia 123" in a fake fine are not one network:
    a reference needs as many characters in a text as in a report's field (4)."""
    assert found("Deposite en OXXO, folio 123, o le va mal a su hijo") == []
    assert found("su trámite es el número de referencia 123, pague la multa") == []
    assert found("Pague 500 pesos, ref 500") == []
    assert found("folio 4821 del depósito") == [("transfer_ref", "4821")]


def _texts() -> list[str]:
    import json
    from pathlib import Path

    from amparo.triage import corpus

    texts = [e.text for split in ("train", "heldout") for e in corpus.load(split)]
    folder = Path(__file__).resolve().parents[3] / "bench" / "data" / "indicators-eval"
    for path in sorted(folder.glob("*.jsonl")):
        for line in path.read_text("utf-8").splitlines():
            if line.strip():
                texts.append(json.loads(line)["text"])
    return texts


def test_the_quick_test_never_skips_a_text_with_something_to_find() -> None:
    """``may_hold_indicators`` lets the message check skip extraction: whenever it says no,
    extraction must find nothing — on every text the project holds (9,000 messages and the
    540 reports written for extraction), and it must say no on most messages."""
    from amparo.indicators.extract import may_hold_indicators

    texts = _texts()
    skipped = [t for t in texts if not may_hold_indicators(t)]
    assert len(texts) > 8_000
    assert len(skipped) > len(texts) / 4
    for text in skipped:  # the full extraction (names=True never takes the shortcut)
        assert _without_names(text) == [], text


@given(
    st.lists(
        st.sampled_from(
            [
                "5",
                "55",
                "1234",
                "５",
                "٣",
                "O",
                "l",
                " ",
                "-",
                ".",
                "．",
                "@",
                "＠",
                "www",
                "://",
                "wa",
                "me",
                "bit",
                "ly",
                "cinco",
                "five",
                "oh",
                "y",
                "and",
                "T",
                "bc1",
                "0x",
                "a",
                "z",
                "qz",
                "1",
                "3",
                "tres",
                "nueve",
                "/",
                ",",
                "\u200b",
                "é",
                "Ñ",
                "\n",
            ]
        ),
        max_size=40,
    ).map("".join)
)
def test_the_quick_test_holds_on_odd_texts(text: str) -> None:
    from amparo.indicators.extract import may_hold_indicators

    if not may_hold_indicators(text):
        assert _without_names(text) == []


def _without_names(text: str) -> list[Indicator]:
    return [i for i in extract(text, names=True) if i.type is not IndicatorType.NAME]
