"""Catalogue maintenance (``make i18n``): extract every msgid, update the four ``.po`` files.

Also used by the test that fails while a string lacks a translation.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

import yaml
from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.pofile import read_po, write_po

from amparo.i18n import LANGUAGES, LOCALES_DIR

PACKAGE_DIR = Path(__file__).resolve().parent.parent
KEYWORDS = {**DEFAULT_KEYWORDS, "N_": None}
METHOD_MAP = [
    ("**/templates/**.html", "jinja2"),
    ("**/locales/**", "ignore"),
    ("**/indicators/data/warninglist.yaml", "amparo.i18n.tools:extract_warning_reasons"),
    ("**.py", "python"),
]
OPTIONS = {"**/templates/**.html": {"extensions": "", "trimmed": "true"}}


def extract() -> Catalog:
    """Every translatable string in the package, with where it is used."""
    catalog = Catalog(project="amparo", charset="utf-8")
    for filename, lineno, message, comments, context in extract_from_dir(
        str(PACKAGE_DIR), METHOD_MAP, OPTIONS, KEYWORDS, strip_comment_tags=True
    ):
        catalog.add(message, None, [(filename, lineno)], auto_comments=comments, context=context)
    return catalog


def extract_warning_reasons(
    fileobj: BinaryIO, keywords: object, comment_tags: object, options: object
) -> Iterator[tuple[int, str, str, list[str]]]:
    """Babel extraction method for the warning list: each entry's ``reason`` is a message,
    translated where it is shown (its line kept for the catalogue's references)."""
    root = yaml.compose(fileobj.read().decode("utf-8"))
    entries = next(
        (value for key, value in getattr(root, "value", ()) if key.value == "entries"), None
    )
    for entry in getattr(entries, "value", ()):
        for key, value in entry.value:
            if key.value == "reason":
                comment = "A public number on the warning list: why it links no reports."
                yield value.start_mark.line + 1, "N_", value.value, [comment]


def po_path(lang: str) -> Path:
    return LOCALES_DIR / lang / "LC_MESSAGES" / "messages.po"


def load(lang: str) -> Catalog:
    path = po_path(lang)
    if not path.exists():
        return Catalog(locale=lang, project="amparo", charset="utf-8")
    with path.open("rb") as handle:
        return read_po(handle, locale=lang)


def update() -> dict[str, int]:
    """Merge new strings into each catalogue; returns how many lack a translation per language."""
    template = extract()
    missing: dict[str, int] = {}
    for lang in LANGUAGES:
        catalog = load(lang)
        catalog.update(template, no_fuzzy_matching=True)
        catalog.obsolete.clear()
        path = po_path(lang)
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as handle:
            write_po(handle, catalog, width=100, omit_header=False, sort_output=True)
        missing[lang] = len(untranslated(catalog, lang))
    return missing


def untranslated(catalog: Catalog, lang: str) -> list[str]:
    """msgids with no translation (English may leave a string equal to its msgid)."""
    out = []
    for message in catalog:
        if not message.id:
            continue
        text = message.string
        empty = not text or (isinstance(text, tuple) and not all(text))
        if empty and lang != "en":
            out.append(str(message.id))
    return out


def fill(path: Path) -> int:
    """Write translations from a JSON file ``{msgid: {"es": …, "pt": …, "fr": …}}``."""
    import json

    data: dict[str, dict[str, str]] = json.loads(path.read_text(encoding="utf-8"))
    written = 0
    for lang in LANGUAGES:
        catalog = load(lang)
        for msgid, texts in data.items():
            if lang in texts and msgid in catalog:
                text = texts[lang]
                catalog[msgid].string = tuple(text) if isinstance(text, list) else text
                catalog[msgid].flags.discard("fuzzy")  # a guess from a similar msgid: replaced
                written += 1
        with po_path(lang).open("wb") as handle:
            write_po(handle, catalog, width=100, omit_header=False, sort_output=True)
    return written


if __name__ == "__main__":
    import sys

    if len(sys.argv) == 3 and sys.argv[1] == "--fill":
        print(f"{fill(Path(sys.argv[2]))} translations written")  # noqa: T201
    for code, count in update().items():
        print(f"{code}: {count} untranslated")  # noqa: T201
