"""Key rotation: re-seal every encrypted column and recompute every blind index and keyed hash."""

from __future__ import annotations

import logging
from collections.abc import Callable

from sqlalchemy import String, Table, bindparam, cast, select, update
from sqlalchemy.orm import Session

from amparo.crypto import Keyring
from amparo.store.base import Base, import_all_models
from amparo.store.types import EncryptedText

logger = logging.getLogger(__name__)

BlindIndexRule = tuple[str, str, str, str, Callable[[str], str]]
"""(table, index column, source column, kind, normaliser)."""


def _blind_index_rules() -> list[BlindIndexRule]:
    from amparo.accounts.service import normalise_email

    return [("users", "email_index", "email", "email", normalise_email)]


def rotate(*, session: Session, keyring: Keyring, batch_size: int = 500) -> dict[str, int]:
    """Re-encrypt what an older key sealed; returns the number of rows changed per table.

    Reads the raw stored text (not through the type) so that only rows sealed by an old key are
    touched, then writes through the type, which seals with the current key.
    """
    import_all_models()
    changed: dict[str, int] = {}
    rules = {(t, src): (ix, kind, norm) for t, ix, src, kind, norm in _blind_index_rules()}
    for table in Base.metadata.sorted_tables:
        columns = [c for c in table.columns if isinstance(c.type, EncryptedText)]
        if not columns:
            continue
        count = _rotate_table(session, keyring, table, [c.name for c in columns], rules, batch_size)
        if count:
            changed[table.name] = count
            logger.info("re-encrypted %d rows of %s", count, table.name)
    # the indicators' keyed hashes, which link reports and answer look-ups (amparo.network.rekey)
    from amparo.network.rekey import rekey

    result = rekey(session=session, keyring=keyring)
    touched = result.rekeyed + result.absorbed  # rows dropped (unmentioned) are only logged
    if touched:
        changed["indicators"] = touched
    return changed


def _rotate_table(
    session: Session,
    keyring: Keyring,
    table: Table,
    names: list[str],
    rules: dict[tuple[str, str], tuple[str, str, Callable[[str], str]]],
    batch_size: int,
) -> int:
    pk = next(iter(table.primary_key.columns))
    index_columns = [ix for (t, _), (ix, _, _) in rules.items() if t == table.name]
    raw = [cast(table.c[n], String).label(n) for n in names]
    raw += [cast(table.c[ix], String).label(ix) for ix in index_columns]
    count = 0
    last = None
    while True:
        query = select(pk, *raw).order_by(pk).limit(batch_size)
        if last is not None:
            query = query.where(pk > last)
        rows = session.execute(query).all()
        if not rows:
            return count
        changes: dict[tuple[str, ...], list[dict[str, object]]] = {}
        for row in rows:
            last = row[0]
            values: dict[str, str | None] = {}
            for name in names:
                stored = getattr(row, name)
                if stored is None:
                    continue
                context = table.c[name].type.context  # type: ignore[attr-defined]
                plain = keyring.decrypt(stored, context=context)
                if Keyring.key_id_of(stored) != keyring.current_key_id:
                    values[name] = plain
                rule = rules.get((table.name, name))
                if rule is not None:
                    index_col, kind, normalise = rule
                    index = keyring.blind_index(normalise(plain), kind=kind)
                    if getattr(row, index_col) != index:
                        values[index_col] = index
            if values:
                params: dict[str, object] = {f"v_{k}": v for k, v in values.items()}
                params["v_pk"] = row[0]
                changes.setdefault(tuple(sorted(values)), []).append(params)
                count += 1
        # one executemany per set of changed columns (a statement per row took minutes at
        # 300,000 mentions on PostgreSQL)
        for columns, batch in changes.items():
            statement = (
                update(table)
                .where(pk == bindparam("v_pk"))
                .values({table.c[c]: bindparam(f"v_{c}") for c in columns})
            )
            session.execute(statement, batch)
