"""Asking side of the online partner look-up: partner hubs that members' look-ups also ask.

Only ``type`` and ``HMAC-SHA256(shared key, type:value)`` go over the wire, with the token that
hub gave. Every hub is asked in parallel under one deadline; a hub that is down, slow, refuses
the token or answers nonsense is reported as unreachable and never fails the look-up.
"""

from __future__ import annotations

import logging
import re
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field, replace
from urllib.parse import urlsplit

import httpx2
from sqlalchemy import select
from sqlalchemy.orm import Session

from amparo.errors import N_, Conflict, InvalidInput, NotFound
from amparo.network import service
from amparo.network.export import feed_hash
from amparo.network.models import RemoteHub
from amparo.network.partner_links import check_key, check_name
from amparo.network.service import Lookup, PartnerSighting

logger = logging.getLogger(__name__)

LOOKUP_PATH = "/api/v1/partner/lookup"
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_LOOPBACK = frozenset({"127.0.0.1", "::1", "localhost"})


@dataclass(frozen=True)
class Target:
    """What asking one hub needs, read from the database before any network wait."""

    name: str
    url: str
    key: bytes = field(repr=False)
    token: str = field(repr=False)


def add_hub(
    *,
    session: Session,
    org_id: int,
    name: str,
    url: str,
    key: bytes,
    token: str,
    allow_http: bool,
) -> RemoteHub:
    """Remember a partner hub to ask online (key and token stored encrypted).

    ``allow_http``: plain http only to this machine unless allowed (never in production)."""
    check_key(key)
    name = check_name(name)
    url = _check_url(url, allow_http=allow_http)
    token = token.strip()
    if not 0 < len(token) <= 200 or not token.isascii() or not token.isprintable():
        raise InvalidInput(N_("The partner hub's token is empty or not valid."), field="token")
    exists = session.scalar(
        select(RemoteHub.id).where(RemoteHub.org_id == org_id, RemoteHub.name == name)
    )
    if exists is not None:
        raise Conflict(N_("There is already a partner hub named '%(name)s'."), name=name[:60])
    hub = RemoteHub(org_id=org_id, name=name, url=url, key=key.hex(), token=token)
    session.add(hub)
    session.flush()
    return hub


def _check_url(url: str, *, allow_http: bool) -> str:
    url = url.strip().rstrip("/")
    parts = urlsplit(url)
    secure = parts.scheme == "https" or (
        parts.scheme == "http" and (allow_http or parts.hostname in _LOOPBACK)
    )
    if not (secure and parts.hostname and len(url) <= 500) or parts.query or parts.fragment:
        raise InvalidInput(
            N_("Give the partner hub's base URL, https://… (for example https://hub.example.org)."),
            field="url",
        )
    return url


def list_hubs(*, session: Session, org_id: int) -> list[RemoteHub]:
    return list(
        session.scalars(
            select(RemoteHub).where(RemoteHub.org_id == org_id).order_by(RemoteHub.name)
        )
    )


def remove_hub(*, session: Session, org_id: int, name: str) -> RemoteHub:
    hub = session.scalar(
        select(RemoteHub).where(RemoteHub.org_id == org_id, RemoteHub.name == name.strip())
    )
    if hub is None:
        raise NotFound(N_("There is no partner hub named '%(name)s'."), name=name[:60])
    session.delete(hub)
    session.flush()
    return hub


def targets(session: Session, org_id: int) -> list[Target]:
    return [
        Target(hub.name, hub.url, bytes.fromhex(hub.key), hub.token)
        for hub in list_hubs(session=session, org_id=org_id)
    ]


def ask(
    hubs: list[Target], kind: str, value: str, *, timeout: float
) -> tuple[list[PartnerSighting], list[str]]:
    """Ask every hub at once; returns the sightings and the names of hubs that could not be
    asked within ``timeout`` seconds (down, slow, refusing, or answering nonsense)."""
    if not hubs:
        return [], []
    pool = ThreadPoolExecutor(max_workers=min(8, len(hubs)), thread_name_prefix="remote-hub")
    try:
        futures: dict[str, Future[PartnerSighting | None]] = {
            hub.name: pool.submit(_ask_one, hub, kind, value, timeout) for hub in hubs
        }
        wait(futures.values(), timeout=timeout + 0.25)
    finally:
        pool.shutdown(wait=False, cancel_futures=True)
    sightings: list[PartnerSighting] = []
    unreachable: list[str] = []
    for name, future in futures.items():
        if not future.done() or future.cancelled():
            logger.warning("partner hub %s did not answer in time", name)
            unreachable.append(name)
            continue
        error = future.exception()
        if error is not None:
            # The hub's name and what went wrong; never the value or its hash.
            logger.warning("partner hub %s could not be asked: %s", name, _reason(error))
            unreachable.append(name)
            continue
        sighting = future.result()
        if sighting is not None:
            sightings.append(sighting)
    return sightings, unreachable


class _BadAnswer(Exception):
    pass


def _ask_one(hub: Target, kind: str, value: str, timeout: float) -> PartnerSighting | None:
    digest = feed_hash(hub.key, kind, value)
    response = httpx2.post(
        hub.url + LOOKUP_PATH,
        json={"items": [{"type": kind, "hmac": digest}]},
        headers={"Authorization": f"Bearer {hub.token}", "Accept": "application/json"},
        timeout=timeout,
        follow_redirects=False,
    )
    if response.status_code != 200:
        raise _BadAnswer(f"status {response.status_code}")
    reports, last_seen = _read(response.json(), kind, digest)
    if reports == 0:
        return None
    return PartnerSighting(hub.name, reports, last_seen, source="online")


def _reason(exc: BaseException) -> str:
    return str(exc) if isinstance(exc, _BadAnswer) else type(exc).__name__


def _read(body: object, kind: str, digest: str) -> tuple[int, str | None]:
    items = body.get("items") if isinstance(body, dict) else None
    if not isinstance(items, list):
        raise _BadAnswer("no items in the answer")
    for item in items:
        if isinstance(item, dict) and item.get("type") == kind and item.get("hmac") == digest:
            reports, last_seen = item.get("reports"), item.get("last_seen")
            if not isinstance(reports, int) or isinstance(reports, bool) or reports < 0:
                raise _BadAnswer("a count that is not a number")
            if not (isinstance(last_seen, str) and _DATE.fullmatch(last_seen)):
                last_seen = None
            return reports, last_seen
    raise _BadAnswer("the answer is not about the value asked")


def lookup(
    session: Session,
    value: str,
    *,
    org_id: int,
    region: str | None = None,
    timeout: float,
) -> Lookup:
    """A member's look-up: the local answer and imported feeds, then every configured partner
    hub asked online. The transaction is ended before waiting on the network: on SQLite every
    transaction holds the write lock, which an SOS must never wait behind."""
    found = service.lookup(session, value, org_id=org_id, region=region)
    if found.warning:  # a public line: partner hubs leave them out, asking would only tell them
        return found
    hubs = targets(session, org_id)
    if not hubs:
        return found
    session.commit()
    sightings, unreachable = ask(hubs, found.type, found.value, timeout=timeout)
    return replace(found, partners=[*found.partners, *sightings], unreachable=unreachable)
