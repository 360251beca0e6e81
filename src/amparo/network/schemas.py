"""API shapes of reports, clusters and look-ups. Unknown fields are refused."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from amparo.network.fields import TYPES
from amparo.network.models import Category

CURRENCY = (
    "ISO 4217 code of a currency in use (MXN, USD, GTQ…); pesos, M.N., dólares, dls and US$ "
    "are understood as MXN or USD."
)
CATEGORY = "The kind of extortion (the triage's categories); null when not known yet."
REPORTED_AT = (
    "When it happened (UTC when no zone is given): from 2000-01-01 to a day from now at most."
)


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class IndicatorGiven(Strict):
    type: str = Field(max_length=16, description="phone, clabe, card, mtcn, transfer_ref, email, …")
    value: str = Field(min_length=1, max_length=500)


class ReportCreate(Strict):
    external_id: str | None = Field(default=None, max_length=200)
    text: str | None = Field(
        default=None, max_length=20_000, description="The message as received."
    )
    narrative: str | None = Field(default=None, max_length=20_000)
    reported_at: datetime | None = Field(default=None, description=REPORTED_AT)
    channel: Literal[
        "call", "whatsapp", "sms", "facebook", "social", "in_person", "email", "other"
    ] = "other"
    category: Category | None = Field(default=None, description=CATEGORY)
    amount: Decimal | None = Field(default=None, ge=0, lt=Decimal("1e12"))
    amount_paid: Decimal | None = Field(default=None, ge=0, lt=Decimal("1e12"))
    currency: str | None = Field(default=None, max_length=16, description=CURRENCY)
    place: str | None = Field(default=None, max_length=200, description="Coarse: a town, a state.")
    victim: str | None = Field(
        default=None,
        max_length=2000,
        description="The victim's details, only if the victim gave them; encrypted, never shared.",
    )
    sharing: Literal["own", "partners", "network"] = "own"
    region: str | None = Field(
        default=None,
        pattern="^[A-Za-z]{2}$",
        description="Country of numbers written without a code.",
    )
    indicators: list[IndicatorGiven] = Field(default_factory=list, max_length=1000)


NETWORK_ID = (
    "Your organisation's id for the network: the smallest id of its reports that you may read "
    "(any of them opens it). The deployment's own cluster ids are never shown: they would tell "
    "you about reports you may not read."
)


class MentionOut(BaseModel):
    type: str
    display: str
    start: int | None
    end: int | None
    warning: bool


class ReportOut(BaseModel):
    id: int
    external_id: str | None
    cluster_id: int | None = Field(description=NETWORK_ID)
    status: str
    indicators: list[MentionOut]


class ClusterIndicator(BaseModel):
    type: str
    display: str
    mentions: int
    warning: str | None = None
    review: bool = False


class PlaceCount(BaseModel):
    place: str
    reports: int


class ClusterOut(BaseModel):
    """One network: the connected reports you may read (another organisation's private
    reports never appear, not even as a link). ``external_ids`` are null for reports that are
    not your own."""

    cluster_id: int = Field(description=NETWORK_ID)
    report_ids: list[int]
    external_ids: list[str | None]
    indicators: list[ClusterIndicator]
    first_seen: datetime
    last_seen: datetime
    channels: list[str]
    categories: list[str]
    places: list[PlaceCount] = Field(
        default_factory=list,
        description="The places your organisation's reports give most often (others' places "
        "stay with them).",
    )
    demanded: dict[str, str] = Field(
        description="Sum demanded per currency, over your organisation's own reports only: "
        "the amounts of reports others shared with you stay with them."
    )
    paid: dict[str, str] = Field(description="Sum paid per currency, as for demanded.")
    piece: int = Field(
        1,
        description="Reports you may not read can split what you see of one cluster into "
        "pieces, each a network of its own here: this is piece `piece` of `pieces` (in the "
        "order of their first report).",
    )
    pieces: int = Field(
        1, description="How many pieces of this cluster you can see (of at least `min_size`)."
    )
    other_pieces: list[int] = Field(
        default_factory=list,
        description="The `cluster_id` of the other pieces, which reports you may not read "
        "link to this one.",
    )


class LookupOut(BaseModel):
    """Members see their own reports and what was shared with them; anonymous callers see only
    whether a value was reported and roughly how often (``times``: "0", "1", "2-5", "6+")."""

    type: str
    value: str
    reported: bool
    times: str
    count: int | None = None
    first_seen: datetime | None = None
    last_seen: datetime | None = None
    cluster_size: int | None = None
    categories: list[str] | None = None
    warning: str | None = None
    ambiguous_with: list[str] = Field(default_factory=list)
    partners: list[dict[str, object]] | None = Field(
        default=None,
        description="Members only: partner hubs that saw the value (partner, reports, "
        "last_seen, source: 'feed' for an imported hashed feed, 'online' for a hub asked now).",
    )
    unreachable: list[str] | None = Field(
        default=None, description="Members only: partner hubs that could not be asked online."
    )


class SharingChange(Strict):
    level: Literal["own", "partners", "network"]


class SharingPreviewOut(BaseModel):
    level: str
    organisations: list[str] = Field(description="Who could read the report, besides you.")
    indicators: list[tuple[str, str]] = Field(description="(type, value) they would see.")
    withheld: list[str] = Field(description="What never leaves your organisation.")


class PartnerItem(Strict):
    type: str = Field(max_length=16, description="phone, clabe, card, mtcn, email, url, …")
    hmac: str = Field(
        pattern="^[0-9a-f]{64}$",
        description="HMAC-SHA256 of 'type:canonical value' under the key shared by the two "
        "hubs, as 64 lowercase hexadecimal characters.",
    )

    @field_validator("type")
    @classmethod
    def _known(cls, value: str) -> str:
        if value not in TYPES or value == "name":
            raise ValueError("unknown indicator type")
        return value


class PartnerLookupIn(Strict):
    items: list[PartnerItem] = Field(min_length=1, max_length=100)


class PartnerAnswer(BaseModel):
    type: str
    hmac: str
    reports: int = Field(description="Live reports shared at 'partners' or 'network' level.")
    last_seen: str | None = Field(description="Day of the latest one (YYYY-MM-DD).")


class PartnerLookupOut(BaseModel):
    items: list[PartnerAnswer]


class ReportUpdate(Strict):
    """Only the fields sent change; ``null`` clears an optional one. New ``text``,
    ``narrative`` or ``indicators`` replace the old ones and relink the report."""

    text: str | None = Field(default=None, max_length=20_000)
    narrative: str | None = Field(default=None, max_length=20_000)
    reported_at: datetime | None = Field(default=None, description=REPORTED_AT)
    channel: (
        Literal["call", "whatsapp", "sms", "facebook", "social", "in_person", "email", "other"]
        | None
    ) = None
    category: Category | None = Field(default=None, description=CATEGORY)
    amount: Decimal | None = Field(default=None, ge=0, lt=Decimal("1e12"))
    amount_paid: Decimal | None = Field(default=None, ge=0, lt=Decimal("1e12"))
    currency: str | None = Field(default=None, max_length=16, description=CURRENCY)
    place: str | None = Field(default=None, max_length=200)
    victim: str | None = Field(
        default=None, max_length=2000, description="Only if the victim gave it; encrypted."
    )
    sharing: Literal["own", "partners", "network"] | None = None
    region: str | None = Field(default=None, pattern="^[A-Za-z]{2}$")
    indicators: list[IndicatorGiven] | None = Field(default=None, max_length=1000)


class ReportMention(MentionOut):
    reported: int = Field(description="Live reports you may read that mention it.")


class ReportRead(BaseModel):
    """One report. The text, narrative, victim, place, amounts, currency, external id, sharing
    level and the indicators' places in the text are shown to the owning organisation only
    (``own``); others see the indicators, channel, category, state, network and dates
    (``amparo.network.policy``)."""

    id: int
    own: bool
    external_id: str | None
    status: str
    sharing: str | None
    channel: str
    category: str | None
    reported_at: datetime
    created_at: datetime
    updated_at: datetime
    cluster_id: int | None = Field(description=NETWORK_ID)
    indicators: list[ReportMention]
    text: str | None = None
    narrative: str | None = None
    victim: str | None = None
    place: str | None = None
    amount: str | None = None
    amount_paid: str | None = None
    currency: str | None = None


class ReportSummary(BaseModel):
    """A report in a list, under the same policy as ``ReportRead``: the external id, sharing
    level, amounts, currency and preview are null unless the report is your own."""

    id: int
    own: bool
    external_id: str | None
    reported_at: datetime
    channel: str
    category: str | None
    status: str
    sharing: str | None
    cluster_id: int | None = Field(description=NETWORK_ID)
    amount: str | None
    amount_paid: str | None
    currency: str | None
    indicators: int
    preview: str | None = Field(description="The start of the text; your own reports only.")


class ReportPage(BaseModel):
    items: list[ReportSummary]
    total: int
    page: int
    per_page: int


class PeriodOut(BaseModel):
    start: date
    reports: int
    categories: dict[str, int] = Field(
        description='Reports per category; "unknown" counts those without one (not known yet). '
        "Reports stored before categories were checked may show other names, as stored."
    )
    channels: dict[str, int]
    demanded: dict[str, str] = Field(
        description="Sum demanded per currency, over your organisation's own reports only."
    )
    paid: dict[str, str] = Field(description="Sum paid per currency, as for demanded.")
    networks: int = Field(description="Networks of 2+ reports whose first report is in it.")


class TrendsOut(BaseModel):
    bucket: str
    since: date
    until: date
    periods: list[PeriodOut]


class WarningEntryCreate(Strict):
    type: str = Field(max_length=16, description="phone, clabe, card, mtcn, transfer_ref, email, …")
    value: str = Field(
        min_length=1,
        max_length=500,
        description="Written any way: it is stored in its canonical form (a phone number in "
        "E.164). A phone number valid in more than one country needs its country code.",
    )
    reason: str = Field(
        min_length=1,
        max_length=200,
        description="Why it links no reports (whose line it is), in your own language: it is "
        "shown as written.",
    )
    region: str | None = Field(
        default=None,
        pattern="^[A-Za-z]{2}$",
        description="Country of a phone number written without its code.",
    )


class WarningEntryOut(BaseModel):
    id: int | None = Field(description="A deployment entry's id (to remove it); none if shipped.")
    type: str
    value: str = Field(description="The canonical value (a phone number in E.164).")
    reason: str = Field(
        description="A shipped entry's reason in the reader's language; a deployment entry's "
        "as its author wrote it."
    )
    source: Literal["shipped", "deployment"]
    organisation: str | None = Field(
        default=None,
        description="Whom the person or token that added a deployment entry acted for (none: "
        "the deployment's operator).",
    )
    added_at: datetime | None = None
    shadowed: bool = Field(
        default=False, description="A deployment entry that the shipped list holds too."
    )


class WarningListOut(BaseModel):
    items: list[WarningEntryOut]


class WarningSyncOut(BaseModel):
    listed: int = Field(description="Stored indicators that stopped linking.")
    unlisted: int = Field(description="Stored indicators that link again.")
    reworded: int = Field(description="Listed indicators whose reason changed.")
    split: int = Field(description="Clusters split off (new clusters made).")
    merged: int = Field(description="Clusters joined into others.")


class WarningEntryAdded(BaseModel):
    entry: WarningEntryOut
    sync: WarningSyncOut
