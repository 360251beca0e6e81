"""``amparo check``: is this message extortion? One message, or JSON Lines in batch."""

from __future__ import annotations

import codecs
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, BinaryIO

import typer
from rich.console import Console
from rich.markup import escape
from rich.panel import Panel
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn
from rich.text import Text

from amparo.cli import cli_language
from amparo.cli.common import input_file
from amparo.errors import N_, AmparoError, InvalidInput
from amparo.i18n import Gettext, gettext_for, supported
from amparo.regions import checked_region

if TYPE_CHECKING:
    from amparo.triage import Verdict

BATCH = 256
LEVEL_STYLES = {
    "low": "green",
    "medium": "yellow",
    "high": "bold red",
    "critical": "bold white on red",
}
EMERGENCY_STYLE = "bold white on blue"
MAX_LINE_BYTES = 256 * 1024


def check(
    text: Annotated[
        str | None, typer.Argument(help="The message to check, in quotes. Omit it with --jsonl.")
    ] = None,
    lang: Annotated[
        str | None, typer.Option(help="Answer in this language (es, en, pt, fr).")
    ] = None,
    country: Annotated[
        str | None,
        typer.Option(
            help="Where to report: MX, US, GT, HN, SV…",
            callback=lambda value: checked_region(value, "--country"),
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the verdict as JSON.")] = False,
    jsonl: Annotated[
        str | None,
        typer.Option(
            "--jsonl",
            help="Check every line of a JSON Lines file (or - for standard input); each line "
            "needs a 'text' field. Writes one JSON object per line, in order.",
        ),
    ] = None,
) -> None:
    """Check whether a message looks like extortion, why, and what to do."""
    answer_lang = supported(lang) if lang else None
    if lang and answer_lang is None:
        raise InvalidInput(N_("Unknown language %(lang)s: use es, en, pt or fr."), lang=lang)
    if jsonl is not None:
        if text is not None:
            raise InvalidInput(N_("Give either a message or --jsonl, not both."))
        _check_jsonl(jsonl, answer_lang, country)
        return
    if text is None:
        raise InvalidInput(N_("Give the message to check, in quotes, or use --jsonl FILE."))
    from amparo.triage import analysis

    verdict = analysis.analyze(text, lang=answer_lang, country=country)
    if as_json:
        from amparo.triage import present

        print(json.dumps(present.to_dict(verdict), ensure_ascii=False))  # noqa: T201
        return
    # the labels in the language of the advice, so one answer never mixes two languages
    _show(Console(), text, verdict, gettext_for(verdict.lang))


def _show(console: Console, text: str, verdict: Verdict, _: Gettext) -> None:
    from amparo.triage import present

    style = LEVEL_STYLES[verdict.level.value]
    heading = _(present.LEVEL_NAMES[verdict.level.value])
    if verdict.category == "genuine_emergency":  # not "low risk": someone may need rescue
        style = EMERGENCY_STYLE
        heading = _(present.CATEGORY_NAMES[verdict.category])
    elif verdict.unread:  # not "low risk" either: it could not be read
        heading = _("A language we cannot read")
    title = Text(f" {heading} ", style=style)
    # the probability that the message is extortion: on a call for help, "risk 1 %" would read
    # as "little danger", so it is not shown there
    risk_label = _("Risk of extortion")
    category_label = _(present.CATEGORY_NAMES[verdict.category])
    percent = min(99, max(1, round(verdict.risk * 100)))  # never claim certainty
    if verdict.category != "genuine_emergency" and not verdict.unread:
        title.append(f"  {risk_label} {percent} %  ·  {category_label}")
    message = Text()
    for piece in present.segments(text, verdict):
        message.append(piece.text, style="bold black on yellow" if piece.flag_ids else "")
    console.print(Panel(message, title=title, title_align="left", border_style=style))
    # Everything below that comes from the message or the catalogue is escaped: a message may
    # hold "[/x]", which Rich would otherwise read as markup (and fail on).
    console.print(f"[bold]{escape(verdict.headline)}[/]")
    if not verdict.language_supported:
        console.print(
            "[yellow]"
            + _("This language is not fully supported; the result is less reliable.")
            + "[/]"
        )
    if verdict.flags:
        red_flags = _("Red flags")
        console.print(f"\n[bold]{red_flags}[/]")
        for flag in verdict.flags:
            quoted = ", ".join(f"“{escape(s.text)}”" for s in flag.evidence)
            console.print(f" • [bold]{escape(flag.title)}[/] — {quoted}", highlight=False)
            console.print(f"   {escape(flag.explanation)}", highlight=False)
    what_to_do = _("What to do now")
    console.print(f"\n[bold]{what_to_do}[/]")
    for number, step in enumerate(verdict.advice, 1):
        console.print(f" {number}. {escape(step)}", highlight=False)
    if verdict.report:
        console.print(f"\n{escape(verdict.report)}", highlight=False)
    console.print(f"[dim]{escape(verdict.disclaimer)}[/]", highlight=False)


def _lines(source: str) -> Iterator[tuple[int, bytes | None]]:
    """Numbered lines; ``None`` for a line over ``MAX_LINE_BYTES``, which is skipped without
    ever being held in memory whole. A byte-order mark (Notepad writes one) is dropped."""
    handle: BinaryIO = (
        sys.stdin.buffer if source == "-" else input_file(source, missing=InvalidInput).open("rb")
    )
    try:
        number = 0
        while line := handle.readline(MAX_LINE_BYTES + 1):
            number += 1
            if len(line) > MAX_LINE_BYTES and not line.endswith(b"\n"):
                while (rest := handle.readline(1 << 16)) and not rest.endswith(b"\n"):
                    pass
                yield number, None
                continue
            if number == 1 and line.startswith(codecs.BOM_UTF8):
                line = line[len(codecs.BOM_UTF8) :]
            yield number, line
    finally:
        if handle is not sys.stdin.buffer:
            handle.close()


def _count_lines(path: Path) -> int:
    """Lines in a file, counted in blocks (one huge line is never read whole)."""
    count = 0
    last = b"\n"
    with path.open("rb") as handle:
        while block := handle.read(1 << 20):
            count += block.count(b"\n")
            last = block[-1:]
    return count + (last != b"\n")


def _not_a_number(name: str) -> None:
    raise ValueError(name)  # NaN and Infinity: Python reads them, JSON has no such values


def _parse_line(raw: bytes | None, _: Gettext) -> tuple[str | None, Any, str | None]:
    """(text, id, error) for one input line."""
    if raw is None or len(raw) > MAX_LINE_BYTES:
        return None, None, _("The line is too long.")
    if not raw.strip():
        return None, None, _("The line is empty.")
    try:
        decoded = raw.decode("utf-8")
    except UnicodeDecodeError:
        return None, None, _("The line is not valid UTF-8.")
    try:
        row = json.loads(decoded, parse_constant=_not_a_number)
    except json.JSONDecodeError as exc:
        return (
            None,
            None,
            _("The line is not valid JSON (column %(column)d).") % {"column": exc.colno},
        )
    except ValueError:
        return None, None, _("The line is not valid JSON (NaN or Infinity).")
    if not isinstance(row, dict):
        return None, None, _("The line needs a 'text' field.")
    if "text" not in row:  # its id still says which record it was
        return None, row.get("id"), _("The line needs a 'text' field.")
    from amparo.triage import analysis

    try:
        return analysis.validate_text(row["text"]), row.get("id"), None
    except AmparoError as exc:
        return None, row.get("id"), exc.render(_)


def _check_jsonl(source: str, lang: str | None, country: str | None) -> None:
    _ = gettext_for(lang or cli_language())
    stderr = Console(stderr=True)
    total = None
    if source != "-":
        path = Path(source)
        if path.is_file():
            total = _count_lines(path)
    pending: list[tuple[int, str | None, Any, str | None]] = []
    progress = Progress(
        *Progress.get_default_columns()[:1],
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=stderr,
        transient=True,
        disable=not stderr.is_terminal,
    )
    with progress:
        task = progress.add_task(_("Checking"), total=total)
        for number, raw in _lines(source):
            pending.append((number, *_parse_line(raw, _)))
            if len(pending) >= BATCH:
                _flush(pending, lang, country)
                progress.advance(task, len(pending))
                pending.clear()
        _flush(pending, lang, country)
        progress.advance(task, len(pending))


def _flush(
    pending: list[tuple[int, str | None, Any, str | None]], lang: str | None, country: str | None
) -> None:
    from amparo.triage import analysis, present

    texts = [text for _n, text, _id, error in pending if error is None and text is not None]
    verdicts = iter(analysis.analyze_many(texts, lang=lang, country=country)) if texts else iter(())
    out = sys.stdout
    for number, text, row_id, error in pending:
        if error is not None or text is None:
            record: dict[str, Any] = {"line": number, "error": error}
        else:
            record = {"line": number, **present.to_dict(next(verdicts))}
        if row_id is not None:
            record["id"] = row_id
        out.write(json.dumps(record, ensure_ascii=False) + "\n")
    out.flush()
