"""Partnership memory: priorities across convenings, task teams, action plans, roster history.

Existing data is carried over: every convening keeps its partnership; each partnership's
confirmed themes become its priorities (status confirmed; themes with the same label in
several convenings join one priority), the volunteers on them its task teams, and each
participant's company the start of their company history. The audit log gains a partnership
scope (changes to priorities have no convening).

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    _create_tables()
    _scope_the_audit_log()
    conn = op.get_bind()
    _carry_priorities(conn)
    _carry_companies(conn)


def _create_tables() -> None:
    op.create_table(
        "priorities",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("partnership_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("created_convening_id", sa.Integer(), nullable=True),
        sa.Column("created_theme_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("status IN ('candidate', 'confirmed', 'active', 'done', 'retired')",
                           name=op.f("ck_priorities_status")),
        sa.ForeignKeyConstraint(["partnership_id"], ["partnerships.id"],
                                name=op.f("fk_priorities_partnership_id_partnerships")),
        sa.ForeignKeyConstraint(["created_convening_id"], ["convenings.id"],
                                name=op.f("fk_priorities_created_convening_id_convenings"),
                                ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["created_theme_id"], ["themes.id"],
                                name=op.f("fk_priorities_created_theme_id_themes"),
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_priorities")),
    )
    op.create_index(op.f("ix_priorities_partnership_id"), "priorities", ["partnership_id"])
    op.create_table(
        "priority_themes",
        sa.Column("theme_id", sa.Integer(), nullable=False),
        sa.Column("priority_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["theme_id"], ["themes.id"],
                                name=op.f("fk_priority_themes_theme_id_themes"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["priority_id"], ["priorities.id"],
                                name=op.f("fk_priority_themes_priority_id_priorities"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("theme_id", name=op.f("pk_priority_themes")),
    )
    op.create_index(op.f("ix_priority_themes_priority_id"), "priority_themes", ["priority_id"])
    _create_team_plan_affiliations()


def _create_team_plan_affiliations() -> None:
    op.create_table(
        "priority_team",
        sa.Column("priority_id", sa.Integer(), nullable=False),
        sa.Column("participant_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=10), nullable=False),
        sa.Column("since", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("role IN ('champion', 'member')", name=op.f("ck_priority_team_role")),
        sa.ForeignKeyConstraint(["priority_id"], ["priorities.id"],
                                name=op.f("fk_priority_team_priority_id_priorities"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["participant_id"], ["participants.id"],
                                name=op.f("fk_priority_team_participant_id_participants")),
        sa.PrimaryKeyConstraint("priority_id", "participant_id", name=op.f("pk_priority_team")),
    )
    op.create_table(
        "action_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("priority_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("objective", sa.Text(), nullable=False),
        sa.Column("measure", sa.Text(), nullable=False),
        sa.Column("owner", sa.String(length=200), nullable=False),
        sa.Column("support_partners", sa.Text(), nullable=False),
        sa.Column("goal_60_day", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("due", sa.Date(), nullable=True),
        sa.CheckConstraint("status IN ('not_started', 'in_progress', 'done', 'blocked')",
                           name=op.f("ck_action_items_status")),
        sa.ForeignKeyConstraint(["priority_id"], ["priorities.id"],
                                name=op.f("fk_action_items_priority_id_priorities"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_action_items")),
    )
    op.create_index(op.f("ix_action_items_priority_id"), "action_items", ["priority_id"])
    op.create_table(
        "affiliations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("participant_id", sa.Integer(), nullable=False),
        sa.Column("company", sa.String(length=200), nullable=False),
        sa.Column("since", sa.Date(), nullable=True),
        sa.Column("until", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(["participant_id"], ["participants.id"],
                                name=op.f("fk_affiliations_participant_id_participants")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_affiliations")),
    )
    op.create_index(op.f("ix_affiliations_participant_id"), "affiliations", ["participant_id"])


def _scope_the_audit_log() -> None:
    conn = op.get_bind()
    sqlite = conn.dialect.name == "sqlite"
    undone: list[Any] = []
    if sqlite:
        # SQLite rebuilds the table (it has no ALTER COLUMN), and dropping the old copy with
        # foreign keys on would find the new copy's undo links pointing at it: they are
        # cleared for the rebuild and written back after it.
        undone = list(conn.execute(sa.text(
            "SELECT id, undone_by FROM audit_log WHERE undone_by IS NOT NULL")))
        conn.execute(sa.text("UPDATE audit_log SET undone_by = NULL"))
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.add_column(sa.Column("partnership_id", sa.Integer(), nullable=True))
        batch_op.alter_column("convening_id", existing_type=sa.Integer(), nullable=True)
        batch_op.create_foreign_key(batch_op.f("fk_audit_log_partnership_id_partnerships"),
                                    "partnerships", ["partnership_id"], ["id"])
        batch_op.create_index(batch_op.f("ix_audit_log_partnership_id"), ["partnership_id"])
        batch_op.create_check_constraint(
            "scope", "(convening_id IS NULL) <> (partnership_id IS NULL)")
    for entry_id, undone_by in undone:
        conn.execute(sa.text("UPDATE audit_log SET undone_by = :u WHERE id = :i"),
                     {"u": undone_by, "i": entry_id})


def _key(label: str) -> str:
    # The same priority raised at two convenings: labels equal but for case and spacing.
    return " ".join(label.split()).casefold()


def _carry_priorities(conn: sa.Connection) -> None:
    """Confirmed themes -> priorities (one per label and partnership), volunteers -> teams."""
    rows = conn.execute(sa.text(
        "SELECT t.id, t.label, c.id, c.partnership_id FROM themes t "
        "JOIN convenings c ON c.id = t.convening_id WHERE t.status = 'confirmed' "
        "ORDER BY c.date, c.id, t.id")).all()
    now = dt.datetime.now(dt.UTC)
    priority_of: dict[tuple[int, str], int] = {}
    for theme_id, label, convening_id, partnership_id in rows:
        key = (partnership_id, _key(label))
        if key not in priority_of:
            priority_of[key] = conn.execute(sa.text(
                "INSERT INTO priorities (partnership_id, name, description, status, "
                "created_convening_id, created_theme_id, created_at, updated_at) VALUES "
                "(:p, :n, '', 'confirmed', :c, :t, :now, :now) RETURNING id")
                .bindparams(sa.bindparam("now", type_=sa.DateTime(timezone=True))),
                {"p": partnership_id, "n": " ".join(label.split())[:300], "c": convening_id,
                 "t": theme_id, "now": now}).scalar_one()
        conn.execute(sa.text("INSERT INTO priority_themes (theme_id, priority_id) "
                             "VALUES (:t, :p)"), {"t": theme_id, "p": priority_of[key]})
    _carry_volunteers(conn)


def _carry_volunteers(conn: sa.Connection) -> None:
    # A champion's sign-up wins over the same person's member sign-up on the same priority.
    team: dict[tuple[int, int], tuple[str, Any]] = {}
    for priority_id, participant_id, role, at in conn.execute(sa.text(
            "SELECT pt.priority_id, v.participant_id, v.role, v.at FROM volunteers v "
            "JOIN priority_themes pt ON pt.theme_id = v.theme_id ORDER BY v.at")):
        key = (priority_id, participant_id)
        if key not in team or role == "champion":
            team[key] = (role, team[key][1] if key in team else at)
    for (priority_id, participant_id), (role, at) in team.items():
        conn.execute(sa.text("INSERT INTO priority_team (priority_id, participant_id, role, "
                             "since) VALUES (:p, :i, :r, :s)"),
                     {"p": priority_id, "i": participant_id, "r": role, "s": at})


def _carry_companies(conn: sa.Connection) -> None:
    conn.execute(sa.text(
        "INSERT INTO affiliations (participant_id, company, since, until) "
        "SELECT id, company, NULL, NULL FROM participants WHERE company IS NOT NULL "
        "AND company <> ''"))


def downgrade() -> None:
    # Priority-scoped audit entries have no convening to go back to: they go.
    op.execute("DELETE FROM audit_log WHERE partnership_id IS NOT NULL")
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_audit_log_scope"), type_="check")
        batch_op.drop_index(batch_op.f("ix_audit_log_partnership_id"))
        batch_op.drop_constraint(batch_op.f("fk_audit_log_partnership_id_partnerships"),
                                 type_="foreignkey")
        batch_op.drop_column("partnership_id")
        batch_op.alter_column("convening_id", existing_type=sa.Integer(), nullable=False)
    for table in ("affiliations", "action_items", "priority_team", "priority_themes",
                  "priorities"):
        op.drop_table(table)
