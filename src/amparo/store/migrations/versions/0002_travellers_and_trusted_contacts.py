"""Travellers and their trusted contacts.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "travellers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=True),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("nationality", sa.String(length=2), nullable=True),
        sa.Column("consulate", sa.Text(), nullable=True),
        sa.Column("route_notes", sa.Text(), nullable=True),
        sa.Column("pin_hash", sa.String(length=200), nullable=False),
        sa.Column("duress_pin_hash", sa.String(length=200), nullable=False),
        sa.Column("checkin_every_minutes", sa.Integer(), nullable=True),
        sa.Column("grace_minutes", sa.Integer(), nullable=False),
        sa.Column("next_due_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "active",
                "overdue",
                "emergency",
                "closed",
                name="traveller_status",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organisations.id"],
            name=op.f("fk_travellers_org_id_organisations"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_travellers")),
    )
    with op.batch_alter_table("travellers", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_travellers_org_id"), ["org_id"], unique=False)
        batch_op.create_index(
            "ix_travellers_status_next_due_at", ["status", "next_due_at"], unique=False
        )

    op.create_table(
        "traveller_contacts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("traveller_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "family",
                "ngo",
                "consulate",
                "other",
                name="contact_kind",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("channels", sa.Text(), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("level BETWEEN 1 AND 3", name=op.f("ck_traveller_contacts_level_range")),
        sa.ForeignKeyConstraint(
            ["traveller_id"],
            ["travellers.id"],
            name=op.f("fk_traveller_contacts_traveller_id_travellers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_traveller_contacts")),
    )
    with op.batch_alter_table("traveller_contacts", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_traveller_contacts_traveller_id"), ["traveller_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("traveller_contacts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_traveller_contacts_traveller_id"))

    op.drop_table("traveller_contacts")
    with op.batch_alter_table("travellers", schema=None) as batch_op:
        batch_op.drop_index("ix_travellers_status_next_due_at")
        batch_op.drop_index(batch_op.f("ix_travellers_org_id"))

    op.drop_table("travellers")
