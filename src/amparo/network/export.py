"""Exports of an organisation's indicators: STIX 2.1 (``stix2``), a MISP event as MISP imports it
(``pymisp``), CSV for authorities, and keyed hashes for partner hubs.

What leaves: the indicators of the reports the organisation may read (its own and those shared
with the whole network), never the report texts, narratives, places or victims' details.
Warning-listed values are left out (they link nothing). Names of account holders go only into
the CSV for authorities; STIX, MISP and hashed feeds carry no personal names.
"""

from __future__ import annotations

import csv
import hashlib
import hmac
import io
import json
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from amparo.errors import N_, InvalidInput
from amparo.indicators.finance import clabe_bank
from amparo.network import service
from amparo.network.models import IndicatorKey, Mention, Report, ReportStatus, Sharing

FORMATS = ("stix", "misp", "csv", "hashed")
_NAMESPACE = uuid.UUID("0f6b6a52-6f1d-4f0a-9d39-616d7061726f")


@dataclass
class Row:
    type: str
    value: str
    display: str
    reports: int = 0
    first_seen: datetime | None = None
    last_seen: datetime | None = None
    clusters: set[int] = field(default_factory=set)
    # When the organisation first stored a report mentioning the value, and when one of those
    # reports (retracted ones too) last changed: a STIX object's ``created`` and ``modified``.
    created: datetime | None = None
    modified: datetime | None = None


def rows(session: Session, *, org_id: int, shared_only: bool = False) -> list[Row]:
    """The live, non-warning-listed indicators of the organisation's own reports: what it may
    hand to authorities (STIX, MISP, CSV). What other organisations shared with it was shared
    inside this deployment, and no sharing level lets it leave through someone else. With
    ``shared_only``, of its own reports shared beyond it (``partners`` or ``network``) only:
    what may leave in a hashed feed, as in the online partner look-up."""
    condition = Report.org_id == org_id
    if shared_only:
        condition = condition & (Report.sharing != Sharing.OWN)
    found: dict[tuple[str, str], Row] = {}
    counted: dict[tuple[str, str], set[int]] = defaultdict(set)
    in_clusters: dict[tuple[str, str], set[int]] = defaultdict(set)
    clusters: dict[int, int] = {}  # report id: cluster id
    query = (
        select(Mention, IndicatorKey, Report)
        .join(IndicatorKey, IndicatorKey.id == Mention.indicator_id)
        .join(Report, Report.id == Mention.report_id)
        .where(
            condition,
            Report.status != ReportStatus.RETRACTED,
            IndicatorKey.warning.is_(None),
        )
        .order_by(Mention.id)
    )
    stamps = _stamps(session, org_id)
    for mention, key, report in session.execute(query):
        pair = (key.type, mention.value)
        row = found.get(pair)
        if row is None:
            row = found[pair] = Row(key.type, mention.value, mention.display)
            row.created, row.modified = stamps[key.id]
        if report.id not in counted[pair]:
            counted[pair].add(report.id)
            row.reports += 1
            row.first_seen = min(row.first_seen or report.reported_at, report.reported_at)
            row.last_seen = max(row.last_seen or report.reported_at, report.reported_at)
        if report.cluster_id is not None:
            in_clusters[pair].add(report.id)
            clusters[report.id] = report.cluster_id
    # Each network under the organisation's own id for it (``service.Network``), never the
    # deployment's cluster id, which would tell it about reports it may not read.
    networks = service.networks_of(session, org_id=org_id, reports=clusters.items())
    for pair, report_ids in in_clusters.items():
        found[pair].clusters = {networks[r].id for r in report_ids if r in networks}
    return sorted(found.values(), key=lambda r: (r.type, r.value))


def _stamps(session: Session, org_id: int) -> dict[int, tuple[datetime, datetime]]:
    """Per indicator, the first ``created_at`` and the last ``updated_at`` of the organisation's
    reports mentioning it, retracted ones included: the first never moves (a new report is
    stored later, a retraction keeps the row), and the last moves whenever a report that
    counts for the value is added, edited, closed, reopened or retracted."""
    return {
        indicator_id: (created, modified)
        for indicator_id, created, modified in session.execute(
            select(Mention.indicator_id, func.min(Report.created_at), func.max(Report.updated_at))
            .join(Report, Report.id == Mention.report_id)
            .where(Report.org_id == org_id)
            .group_by(Mention.indicator_id)
        )
    }


def _times(n: int) -> str:
    return f"{n} time" if n == 1 else f"{n} times"


# A spreadsheet reads a cell that starts with one of these as a formula (OWASP, CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_cell(value: str) -> str:
    """``value`` as a spreadsheet shows it and never runs it: prefixed with ``'`` (Excel's and
    LibreOffice's "this is text" mark) when it starts like a formula. Phone numbers too: a
    ``'+525512345678`` cell reads ``+525512345678``, where a bare one would become the number
    525512345678 (5.26E+11), without its ``+``."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def to_csv(data: list[Row]) -> str:
    """The CSV for authorities, meant for a spreadsheet: every cell is neutralised
    (``spreadsheet_cell``), so an indicator someone typed as ``=HYPERLINK(…)`` stays text."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["type", "value", "reports", "first_seen", "last_seen", "clusters"])
    for row in data:
        cells = [
            row.type,
            row.value,
            str(row.reports),
            row.first_seen.isoformat() if row.first_seen else "",
            row.last_seen.isoformat() if row.last_seen else "",
            " ".join(str(c) for c in sorted(row.clusters)),
        ]
        writer.writerow([spreadsheet_cell(cell) for cell in cells])
    return out.getvalue()


def feed_hash(key: bytes, kind: str, value: str) -> str:
    """HMAC-SHA256 of ``type:value`` under a key held only by the two hubs."""
    return hmac.new(key, f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()


def to_hashed(data: list[Row], key: bytes) -> str:
    if len(key) < 32:
        raise InvalidInput(
            N_("A feed key needs at least 32 bytes (for example 64 hexadecimal characters)."),
            field="key",
        )
    lines = [
        json.dumps(
            {
                "type": row.type,
                "hmac": feed_hash(key, row.type, row.value),
                "reports": row.reports,
                "last_seen": row.last_seen.date().isoformat() if row.last_seen else None,
            }
        )
        for row in data
        if row.type != "name"
    ]
    return "\n".join(lines) + ("\n" if lines else "")


# STIX has no phone, bank account, card, transfer or wallet observable: each is a new SCO
# defined by an extension definition (docs/networks.md lists them). Their ids are fixed so
# that every Amparo deployment speaks the same vocabulary.
STIX_TYPES: dict[str, tuple[str, str, str]] = {
    "phone": ("x-amparo-phone-number", "2f8a1a52-1b0e-4c61-9a33-7a6d70617201", "E.164 number"),
    "clabe": ("x-amparo-bank-account", "2f8a1a52-1b0e-4c61-9a33-7a6d70617202", "Mexican CLABE"),
    "card": ("x-amparo-payment-card", "2f8a1a52-1b0e-4c61-9a33-7a6d70617203", "card number"),
    "mtcn": ("x-amparo-transfer", "2f8a1a52-1b0e-4c61-9a33-7a6d70617204", "Western Union MTCN"),
    "transfer_ref": ("x-amparo-transfer", "2f8a1a52-1b0e-4c61-9a33-7a6d70617204", "reference"),
    "social": ("x-amparo-social-profile", "2f8a1a52-1b0e-4c61-9a33-7a6d70617205", "handle"),
    "btc": ("x-amparo-crypto-wallet", "2f8a1a52-1b0e-4c61-9a33-7a6d70617206", "Bitcoin"),
    "tron": ("x-amparo-crypto-wallet", "2f8a1a52-1b0e-4c61-9a33-7a6d70617206", "Tron"),
    "eth": ("x-amparo-crypto-wallet", "2f8a1a52-1b0e-4c61-9a33-7a6d70617206", "Ethereum"),
}
_CREATED = "2026-11-29T00:00:00Z"
_IDENTITY = "identity--7b0c4f7e-9a51-4f0e-8d7e-616d7061726f"


@lru_cache(maxsize=1)
def _stix_vocabulary() -> tuple[object, dict[str, object], dict[str, type]]:
    """The identity, extension definitions and observable classes: registered with stix2
    once per process (registering a type twice is an error there)."""
    import stix2
    from stix2.properties import StringProperty

    identity = stix2.Identity(
        id=_IDENTITY,
        name="Amparo",
        identity_class="system",
        created=_CREATED,
        modified=_CREATED,
    )
    definitions: dict[str, object] = {}
    classes: dict[str, type] = {}
    for sco_type, ext_uuid, _ in STIX_TYPES.values():
        ext_id = f"extension-definition--{ext_uuid}"
        if sco_type in classes:
            continue
        definitions[sco_type] = stix2.ExtensionDefinition(
            id=ext_id,
            created_by_ref=_IDENTITY,
            created=_CREATED,
            modified=_CREATED,
            name=sco_type,
            description=f"Amparo observable {sco_type}: see docs/networks.md (STIX export).",
            schema="https://github.com/amparo/amparo/blob/main/docs/networks.md#stix",
            version="1.0.0",
            extension_types=["new-sco"],
        )
        classes[sco_type] = stix2.CustomObservable(
            sco_type,
            [("value", StringProperty(required=True)), ("kind", StringProperty())],
            ["value", "kind"],
            extension_name=ext_id,
        )(type(sco_type.replace("-", "_"), (), {}))
    return identity, definitions, classes


def to_stix(data: list[Row], *, organisation: str) -> str:
    import stix2

    identity, definitions, classes = _stix_vocabulary()
    objects: list[object] = [identity, *definitions.values()]
    for row in data:
        if row.type == "name":
            continue
        if row.type == "email":
            observable: object = stix2.EmailAddress(value=row.value)
        elif row.type == "url":
            observable = stix2.URL(value=row.value)
        else:
            sco_type, _, _ = STIX_TYPES[row.type]
            observable = classes[sco_type](value=row.value, kind=row.type)
        objects.append(observable)
        # The id is the value's; created and modified come from the reports, so exporting
        # twice gives the same object, and a changed one comes with a later modified (STIX:
        # objects with the same id and modified but other contents are undefined).
        created = row.created or row.first_seen or _CREATED
        objects.append(
            stix2.Indicator(
                id=f"indicator--{uuid.uuid5(_NAMESPACE, f'{row.type}:{row.value}')}",
                created=created,
                modified=row.modified or created,
                created_by_ref=_IDENTITY,
                name=f"{row.type} used in extortion",
                description=f"Reported {_times(row.reports)} to {organisation}.",
                indicator_types=["malicious-activity"],
                pattern=_pattern(observable),
                pattern_type="stix",
                valid_from=row.first_seen or _CREATED,
                allow_custom=True,
            )
        )
    bundle = stix2.Bundle(objects=objects, allow_custom=True)
    return str(bundle.serialize(pretty=True)) + "\n"


def _pattern(observable: object) -> str:
    value = str(observable["value"]).replace("\\", "\\\\").replace("'", "\\'")  # type: ignore[index]
    return f"[{observable['type']}:value = '{value}']"  # type: ignore[index]


# Social profiles as MISP's account objects: (object, relation of the handle, of a numeric id,
# of the profile's link, and the link). TikTok has no object of its own: a user account.
_MISP_PROFILES = {
    "facebook": (
        "facebook-account",
        "account-name",
        "account-id",
        "url",
        "https://www.facebook.com/{}",
    ),
    "instagram": (
        "instagram-account",
        "account-name",
        "account-id",
        "url",
        "https://www.instagram.com/{}",
    ),
    "telegram": ("telegram-account", "username", "id", None, "https://t.me/{}"),
    "x": ("twitter-account", "name", "id", "url", "https://x.com/{}"),
    "tiktok": ("user-account", "username", "user-id", "link", "https://www.tiktok.com/@{}"),
}
_MISP_TRANSFERS = {
    "mtcn": "Western Union money transfer control number (MTCN)",
    "transfer_ref": "Reference of a money transfer or deposit",
}


def to_misp(data: list[Row], *, organisation: str, org_id: int = 0) -> str:
    """One MISP event as MISP's "Import from MISP JSON" takes it: ``{"Event": {…}}`` with its
    date, threat level, analysis and distribution, in MISP's own types and objects. The event
    and each attribute have stable uuids and timestamps (from the reports), so importing a newer
    export updates the event instead of adding another."""
    from pymisp import MISPEvent, MISPObject

    event = MISPEvent()
    event.uuid = str(uuid.uuid5(_NAMESPACE, f"misp-event:{org_id}"))
    event.info = f"Amparo: extortion indicators reported to {organisation}"
    event.distribution = 0  # this organisation only, until someone decides otherwise
    event.threat_level_id = 4  # undefined: whoever receives it judges
    event.analysis = 2
    event.published = False
    first = min((r.first_seen for r in data if r.first_seen), default=None)
    event.set_date(first.date() if first else datetime.now(UTC).date())
    latest = max((r.modified for r in data if r.modified), default=None)
    if latest is not None:
        event.force_timestamp = True  # pymisp drops a timestamp set after construction
        event.timestamp = latest

    for row in data:
        ident = str(uuid.uuid5(_NAMESPACE, f"misp:{row.type}:{row.value}"))
        seen = {
            "comment": f"reported {_times(row.reports)}",
            "first_seen": row.first_seen,
            "last_seen": row.last_seen,
            **({"timestamp": row.modified} if row.modified else {}),
        }
        if row.type == "phone":
            event.add_attribute(
                "phone-number", row.value, category="Financial fraud", uuid=ident, **seen
            )
        elif row.type == "card":
            event.add_attribute("cc-number", row.value, uuid=ident, **seen)
        elif row.type == "email":
            # "email" (neither sender nor recipient): an address the extortioners gave
            event.add_attribute("email", row.value, uuid=ident, **seen)
        elif row.type == "url":
            event.add_attribute("url", row.value, uuid=ident, **seen)
        elif row.type == "btc":
            event.add_attribute("btc", row.value, uuid=ident, **seen)
        elif row.type == "name":
            continue  # no personal names leave in MISP
        else:
            obj = _misp_object(MISPObject, row)
            if obj is None:
                continue
            obj.uuid = ident
            for attribute in obj.attributes:
                attribute.uuid = str(uuid.uuid5(_NAMESPACE, f"{ident}:{attribute.object_relation}"))
            obj.comment = seen["comment"]
            obj.first_seen, obj.last_seen = row.first_seen, row.last_seen
            if row.modified:
                obj.force_timestamp = True
                obj.timestamp = row.modified
            event.add_object(obj)
    return json.dumps({"Event": json.loads(event.to_json())}, indent=2, ensure_ascii=False) + "\n"


def _misp_object(cls: type[Any], row: Row) -> Any:
    """The MISP object for a value MISP has no attribute type for."""
    if row.type == "clabe":
        obj = cls("bank-account", strict=True)
        obj.add_attribute("account", value=row.value)
        bank = clabe_bank(row.value)
        if bank:
            obj.add_attribute("institution-name", value=bank)
        obj.add_attribute("currency-code", value="MXN")
        return obj
    if row.type in ("eth", "tron"):
        obj = cls("coin-address", strict=True)
        obj.add_attribute("address", value=row.value)
        obj.add_attribute("symbol", value="ETH" if row.type == "eth" else "TRX")
        return obj
    if row.type in _MISP_TRANSFERS:
        obj = cls("transaction", strict=True)
        obj.add_attribute("transaction-number", value=row.value)
        obj.add_attribute("text", value=_MISP_TRANSFERS[row.type])
        return obj
    if row.type == "social":
        platform, _, handle = row.value.partition(":")
        if platform not in _MISP_PROFILES:
            return None
        name, handle_relation, id_relation, link_relation, link = _MISP_PROFILES[platform]
        obj = cls(name, strict=True)
        if handle.startswith("id:"):  # a numeric profile id (facebook.com/profile.php?id=…)
            obj.add_attribute(id_relation, value=handle[3:])
            if platform == "facebook":
                obj.add_attribute(
                    "url", value=f"https://www.facebook.com/profile.php?id={handle[3:]}"
                )
        else:
            obj.add_attribute(handle_relation, value=handle)
            if link_relation:
                obj.add_attribute(link_relation, value=link.format(handle))
        if name == "user-account":
            obj.add_attribute("account-type", value=platform)
        return obj
    return None


def export(session: Session, *, org_id: int, organisation: str, fmt: str, key: bytes | None) -> str:
    if fmt not in FORMATS:
        raise InvalidInput(
            N_("Unknown export format '%(format)s' (one of: %(known)s)."),
            field="format",
            format=fmt[:20],
            known=", ".join(FORMATS),
        )
    data = rows(session, org_id=org_id, shared_only=fmt == "hashed")
    if fmt == "csv":
        return to_csv(data)
    if fmt == "hashed":
        if key is None:
            raise InvalidInput(
                N_("A hashed feed needs the key shared with the partner hub (--key-file)."),
                field="key",
            )
        return to_hashed(data, key)
    if fmt == "stix":
        return to_stix(data, organisation=organisation)
    return to_misp(data, organisation=organisation, org_id=org_id)
