"""``amparo check``: is this message extortion? One message, or JSON Lines in batch."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, BinaryIO

import typer
from rich.console import Console
from rich.panel import Panel
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn
from rich.text import Text

from amparo.cli import cli_language
from amparo.errors import N_, AmparoError, InvalidInput
from amparo.i18n import Gettext, gettext_for, supported

if TYPE_CHECKING:
    from amparo.triage import Verdict

BATCH = 256
LEVEL_STYLES = {
    "low": "green",
    "medium": "yellow",
    "high": "bold red",
    "critical": "bold white on red",
}
MAX_LINE_BYTES = 256 * 1024


def check(
    text: Annotated[
        str | None, typer.Argument(help="The message to check, in quotes. Omit it with --jsonl.")
    ] = None,
    lang: Annotated[
        str | None, typer.Option(help="Answer in this language (es, en, pt, fr).")
    ] = None,
    country: Annotated[
        str | None, typer.Option(help="Where to report: MX, US, GT, HN, SV…")
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
    _show(Console(), text, verdict, gettext_for(answer_lang or cli_language()))


def _show(console: Console, text: str, verdict: Verdict, _: Gettext) -> None:
    from amparo.triage import present

    style = LEVEL_STYLES[verdict.level.value]
    title = Text(f" {_(present.LEVEL_NAMES[verdict.level.value])} ", style=style)
    risk_label = _("Risk")
    category_label = _(present.CATEGORY_NAMES[verdict.category])
    percent = min(99, max(1, round(verdict.risk * 100)))  # never claim certainty
    title.append(f"  {risk_label} {percent} %  ·  {category_label}")
    message = Text()
    for piece in present.segments(text, verdict):
        message.append(piece.text, style="bold black on yellow" if piece.flag_ids else "")
    console.print(Panel(message, title=title, title_align="left", border_style=style))
    console.print(f"[bold]{verdict.headline}[/]")
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
            quoted = ", ".join(f"“{s.text}”" for s in flag.evidence)
            console.print(f" • [bold]{flag.title}[/] — {quoted}", highlight=False)
            console.print(f"   {flag.explanation}", highlight=False)
    what_to_do = _("What to do now")
    console.print(f"\n[bold]{what_to_do}[/]")
    for number, step in enumerate(verdict.advice, 1):
        console.print(f" {number}. {step}", highlight=False)
    console.print(f"\n{verdict.report}", highlight=False)
    console.print(f"[dim]{verdict.disclaimer}[/]", highlight=False)


def _lines(source: str) -> Iterator[tuple[int, bytes]]:
    handle: BinaryIO
    if source == "-":
        handle = sys.stdin.buffer
    else:
        path = Path(source)
        if not path.is_file():
            raise InvalidInput(N_("No such file: %(path)s"), path=source)
        handle = path.open("rb")
    try:
        yield from enumerate(handle, 1)
    finally:
        if handle is not sys.stdin.buffer:
            handle.close()


def _parse_line(raw: bytes, _: Gettext) -> tuple[str | None, Any, str | None]:
    """(text, id, error) for one input line."""
    if len(raw) > MAX_LINE_BYTES:
        return None, None, _("The line is too long.")
    try:
        decoded = raw.decode("utf-8")
    except UnicodeDecodeError:
        return None, None, _("The line is not valid UTF-8.")
    try:
        row = json.loads(decoded)
    except json.JSONDecodeError as exc:
        return None, None, _("The line is not valid JSON: %(error)s") % {"error": exc.msg}
    if not isinstance(row, dict) or "text" not in row:
        return None, None, _("The line needs a 'text' field.")
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
            with path.open("rb") as handle:
                total = sum(1 for _line in handle)
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
            if not raw.strip():
                continue
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
