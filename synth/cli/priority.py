"""CLI over a partnership's priorities (issue 29): ``synth priority partnerships|list|status|
rename|champion|member|plan ...|undo|history|move-convening|export``.

synth/cli/main.py mounts ``priority_app``. Each command is a few lines over
:mod:`synth.decisions.priorities`; user errors print one line, never a traceback. A command that
needs the partnership takes ``--partnership/-p`` (its id), or finds it when the database holds
only one.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from synth.cli.common import WhoOpt, expected_errors, find_convening_id, open_engine
from synth.terminal import echo

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from synth.decisions.priorities import PriorityView

log = logging.getLogger(__name__)

priority_app = typer.Typer(no_args_is_help=True, help=(
    "A partnership's priorities across its convenings: status, task team, action plan."))
plan_app = typer.Typer(no_args_is_help=True, help="A priority's action-plan rows.")
priority_app.add_typer(plan_app, name="plan")

PartnershipOpt = Annotated[int | None, typer.Option(
    "--partnership", "-p", help="Partnership id (`synth priority partnerships`); needed only "
                                "when the database holds several.")]
PriorityArg = Annotated[int, typer.Argument(help="Priority id (`synth priority list`).")]
RowArg = Annotated[int, typer.Argument(help="Action-plan row id (`synth priority plan show`).")]


def _partnership(engine: Engine, ref: int | None) -> int:
    from synth.errors import InputError
    from synth.store import queries, transaction

    with transaction(engine) as s:
        if ref is not None:
            return queries.get_partnership(s, ref).id
        rows = queries.list_partnerships(s)
    if len(rows) != 1:
        raise InputError("no partnership yet: import a convening first (`synth import`)."
                         if not rows else
                         f"{len(rows)} partnerships: name one with --partnership ID "
                         "(`synth priority partnerships` lists them).")
    return rows[0].id


@priority_app.command("partnerships")
def partnerships() -> None:
    """List the partnerships with their convenings and priorities."""
    from sqlalchemy import func, select

    from synth.store import queries, transaction
    from synth.store.schema import StoredConvening

    with expected_errors(), transaction(open_engine()) as s:
        for p in queries.list_partnerships(s):
            n = s.scalar(select(func.count()).select_from(StoredConvening)
                         .where(StoredConvening.partnership_id == p.id))
            echo(f"{p.id:>4} {p.industry}, {p.region}: {n} convenings, "
                 f"{len(queries.priorities_of(s, p.id))} priorities")


def _line(v: PriorityView) -> str:
    champions = ", ".join(v.champions) or "champion needed"
    return (f"{v.id:>4} {v.status:<9} {v.name}  [champions: {champions}; members: "
            f"{len(v.members)}; plan rows: {len(v.plan)}; raised at: {', '.join(v.convenings)}]")


@priority_app.command("list")
def list_command(partnership: PartnershipOpt = None, status: Annotated[
        list[str] | None, typer.Option("--status", "-s", help="Only these statuses "
                                       "(repeat the option).")] = None) -> None:
    """The partnership's priorities, oldest first, with status, champions and plan size."""
    from synth.decisions import priorities

    with expected_errors():
        engine = open_engine()
        for v in priorities.list_priorities(engine, _partnership(engine, partnership)):
            if not status or v.status in status:
                echo(_line(v))


@priority_app.command("status")
def status_command(priority: PriorityArg, status: Annotated[str, typer.Argument(
        help="candidate, confirmed, active (needs a champion), done or retired.")],
                   who: WhoOpt = None) -> None:
    """Move a priority to another status (kept in the audit log with who and when)."""
    from synth.decisions import priorities

    with expected_errors():
        engine = open_engine()
        priorities.set_status(engine, priority, status, who=who)
        echo(_line(priorities.get_priority(engine, priority)))


@priority_app.command("rename")
def rename_command(priority: PriorityArg, name: str, description: Annotated[
        str | None, typer.Option(help="What the priority is about, in a sentence.")] = None,
                   who: WhoOpt = None) -> None:
    """Give a priority the partnership's own name."""
    from synth.decisions import priorities

    with expected_errors():
        engine = open_engine()
        priorities.rename(engine, priority, name, description=description, who=who)
        echo(_line(priorities.get_priority(engine, priority)))


@priority_app.command("champion")
def champion_command(priority: PriorityArg, name: Annotated[str, typer.Argument(
        help="A business leader on the roster.")], who: WhoOpt = None) -> None:
    """Make a business leader a champion (a co-lead) of the priority's task team."""
    _team(priority, name, "champion", who)


@priority_app.command("member")
def member_command(priority: PriorityArg, name: Annotated[str, typer.Argument(
        help="A person on the roster.")], remove: Annotated[bool, typer.Option(
            "--remove", help="Take them off the task team instead.")] = False,
                   who: WhoOpt = None) -> None:
    """Put a person on the priority's task team (or, with --remove, take them off)."""
    _team(priority, name, None if remove else "member", who)


def _team(priority: int, name: str, role: str | None, who: str | None) -> None:
    from synth.decisions import priorities

    with expected_errors():
        engine = open_engine()
        priorities.set_team_member(engine, priority, name, role, who=who)
        echo(_line(priorities.get_priority(engine, priority)))


@priority_app.command("undo")
def undo_command(partnership: PartnershipOpt = None, who: WhoOpt = None) -> None:
    """Undo the last change to the partnership's priorities (repeat to go further back)."""
    from synth.decisions import priorities

    with expected_errors():
        engine = open_engine()
        echo(f"undone: {priorities.undo(engine, _partnership(engine, partnership), who=who)}")


@priority_app.command("history")
def history_command(partnership: PartnershipOpt = None) -> None:
    """Every change to the partnership's priorities: when, who, what (and if undone)."""
    from synth.decisions import priorities

    with expected_errors():
        engine = open_engine()
        for at, who, action, target, undone in priorities.history(
                engine, _partnership(engine, partnership)):
            mark = "  (undone)" if undone else ""
            echo(f"{at:%Y-%m-%d %H:%M} {who:<12} {action:<16} {target}{mark}")


@priority_app.command("move-convening")
def move_convening_command(convening: Annotated[str, typer.Argument(
        help="Convening id or title.")], to: Annotated[int, typer.Option(
            "--to", help="The partnership it joins (`synth priority partnerships`).")],
                           who: WhoOpt = None) -> None:
    """Move a convening into another partnership, with its people and the priorities only it
    raised (each joins that partnership's priority of the same name, if any)."""
    from synth.decisions import priorities

    with expected_errors():
        engine = open_engine()
        priorities.move_convening(engine, find_convening_id(engine, convening), to, who=who)
        for v in priorities.list_priorities(engine, to):
            echo(_line(v))


# --- action plans ----------------------------------------------------------------------------

ObjectiveOpt = Annotated[str | None, typer.Option(help="What the task team sets out to do.")]
MeasureOpt = Annotated[str | None, typer.Option(help="How progress is measured.")]
OwnerOpt = Annotated[str | None, typer.Option(help="Who owns the row.")]
SupportOpt = Annotated[str | None, typer.Option(
    "--support", help="Support partners (colleges, boards, agencies).")]
GoalOpt = Annotated[str | None, typer.Option("--goal", help="The 60-day goal.")]
PlanStatusOpt = Annotated[str | None, typer.Option(
    "--status", help="not_started, in_progress, done or blocked.")]
DueOpt = Annotated[str | None, typer.Option(help="Due date, YYYY-MM-DD ('' for none).")]


def _fields(objective: str | None, measure: str | None, owner: str | None,
            support: str | None, goal: str | None, status: str | None,
            due: str | None) -> dict[str, Any]:
    given = {"objective": objective, "measure": measure, "owner": owner,
             "support_partners": support, "goal_60_day": goal, "status": status, "due": due}
    return {k: v for k, v in given.items() if v is not None}


@plan_app.command("add")
def plan_add(priority: PriorityArg, objective: Annotated[str, typer.Option(
        help="What the task team sets out to do.")], measure: MeasureOpt = None,
             owner: OwnerOpt = None, support: SupportOpt = None, goal: GoalOpt = None,
             status: PlanStatusOpt = None, due: DueOpt = None, who: WhoOpt = None) -> None:
    """Add a row to the priority's action plan."""
    from synth.decisions import priorities

    with expected_errors():
        row = priorities.add_plan_row(open_engine(), priority, who=who, **_fields(
            objective, measure, owner, support, goal, status, due))
        echo(f"added plan row {row} to priority {priority}")


@plan_app.command("update")
def plan_update(row: RowArg, objective: ObjectiveOpt = None, measure: MeasureOpt = None,
                owner: OwnerOpt = None, support: SupportOpt = None, goal: GoalOpt = None,
                status: PlanStatusOpt = None, due: DueOpt = None, who: WhoOpt = None) -> None:
    """Change the given fields of an action-plan row."""
    from synth.decisions import priorities
    from synth.errors import InputError

    with expected_errors():
        fields = _fields(objective, measure, owner, support, goal, status, due)
        if not fields:
            raise InputError("nothing to change: give at least one of --objective, --measure, "
                             "--owner, --support, --goal, --status, --due.")
        priorities.update_plan_row(open_engine(), row, who=who, **fields)
        echo(f"updated plan row {row}")


@plan_app.command("remove")
def plan_remove(row: RowArg, who: WhoOpt = None) -> None:
    """Delete an action-plan row (`synth priority undo` brings it back)."""
    from synth.decisions import priorities

    with expected_errors():
        priorities.remove_plan_row(open_engine(), row, who=who)
        echo(f"removed plan row {row}")


@plan_app.command("show")
def plan_show(priority: PriorityArg) -> None:
    """The task team and action plan, a row a line (tab-separated)."""
    from synth.decisions import priorities

    with expected_errors():
        v = priorities.get_priority(open_engine(), priority)
        echo(_line(v))
        echo("\t".join(("row", "objective", "measure", "owner", "support partners",
                        "60-day goal", "status", "due")))
        for r in v.plan:
            echo("\t".join(str(x) for x in (r.id, r.objective, r.measure, r.owner,
                                             r.support_partners, r.goal_60_day, r.status,
                                             r.due or "")))


@priority_app.command("export")
def export_command(
    out: Annotated[Path, typer.Option("--out", "-o", help="The file to write: .xlsx, .docx "
                                      "or .md.")],
    partnership: PartnershipOpt = None,
    format_: Annotated[str | None, typer.Option(
        "--format", "-f", help="xlsx, docx or md (default: from --out's suffix).")] = None,
    as_of: Annotated[str | None, typer.Option(
        "--as-of", help="The plans' date, YYYY-MM-DD (default: today).")] = None,
    all_: Annotated[bool, typer.Option(
        "--all", help="Also confirmed and done priorities, not only active ones.")] = False,
) -> None:
    """The action plans of the active priorities, in the format staff send task teams."""
    from synth.decisions.priorities import parse_due
    from synth.export import action_plans

    with expected_errors():
        engine = open_engine()
        statuses = ("confirmed", "active", "done") if all_ else ("active",)
        plans = action_plans.read_action_plans(
            engine, _partnership(engine, partnership),
            as_of=parse_due(as_of, "--as-of") if as_of else None, statuses=statuses)
        action_plans.write(plans, out, format_)
        log.info("wrote the action plans to %s", out)
        echo(f"wrote {out}: {len(plans.sections)} priorities")

