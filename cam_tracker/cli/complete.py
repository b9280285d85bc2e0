"""Shell completion of what the store holds: activity keys, events, sessions, people, plans.

Click answers the shell (`_CAM_COMPLETE=bash_source cam` prints the script;
README says how to install it); these callbacks give the words of a
parameter. During completion no command runs, so the store is the one the
words typed so far name (`--db`, `--plan`, else the environment and the
defaults), read through `Workspace.completions`: one query of keys, never a
write. A completion must never disturb the shell: whatever fails (no store,
a store that cannot be reached, a word that names nothing) completes nothing.
"""

from collections.abc import Callable
from typing import TYPE_CHECKING

import click
from click.shell_completion import CompletionItem

if TYPE_CHECKING:
    from cam_tracker.app.workspace import Workspace

Completer = Callable[[click.Context, click.Parameter, str], list[CompletionItem]]


def _workspace(ctx: click.Context) -> "Workspace":
    """The workspace of the words typed so far (the group's callback has not run)."""
    from cam_tracker.app.workspace import Workspace
    from cam_tracker.core.settings import database_url

    params = ctx.find_root().params
    return Workspace(database_url=database_url(params.get("db")), plan_name=params.get("plan_name"))


def words(ctx: click.Context, what: str, incomplete: str, activity: str | None = None) -> list[str]:
    """The store's words of one kind that begin with what was typed; none if anything fails."""
    try:
        ws = _workspace(ctx)
        try:
            found = ws.completions(what, activity)
        finally:
            ws.close()
    except Exception:
        return []
    return [word for word in found if word.startswith(incomplete)]


def completer(what: str, activity_param: str | None = None) -> Completer:
    """A `shell_complete` callback for words of one kind (`activity`, `event`, `session`,
    `person`, `plan`); events are those the activity in `activity_param` may fire now."""

    def complete(
        ctx: click.Context, param: click.Parameter, incomplete: str
    ) -> list[CompletionItem]:
        activity = ctx.params.get(activity_param) if activity_param else None
        if activity_param and not isinstance(activity, str):
            return []
        return [CompletionItem(word) for word in words(ctx, what, incomplete, activity)]

    return complete


complete_activities = completer("activity")
complete_events = completer("event", activity_param="key")
complete_sessions = completer("session")
complete_people = completer("person")
complete_plans = completer("plan")


def complete_plan_sources(
    ctx: click.Context, param: click.Parameter, incomplete: str
) -> list[CompletionItem]:
    """`plan load NAME|FILE`: the plans' names, and the shell's own completion of files."""
    names = [CompletionItem(word) for word in words(ctx, "plan", incomplete)]
    return [*names, CompletionItem(incomplete, type="file")]
