"""`cam follow`, `cam unfollow`, `cam following`, `cam next`: what a person hears of, and
what is due from them."""

import click

from cam_tracker.cli.base import actor_option, cli, emit_json, json_option, who, workspace
from cam_tracker.cli.complete import complete_activities, complete_people

person_option = click.option(
    "--person",
    metavar="PERSON",
    shell_complete=complete_people,
    help="This person (default: whoever acts, --as or $CAM_USER).",
)


def _choose(keys: tuple[str, ...], person: str | None, actor: str | None, follows: bool) -> None:
    key, choices = workspace().follow(list(keys), follows=follows, actor=who(actor), person=person)
    verb = "follows" if follows else "no longer follows"
    for choice in choices:
        already = "" if choice.changed else " (already so)"
        click.echo(f"{key} {verb} {choice.activity}{already}")


@cli.command("follow")
@click.argument(
    "keys", metavar="KEY...", nargs=-1, required=True, shell_complete=complete_activities
)
@person_option
@actor_option
def follow_command(keys: tuple[str, ...], person: str | None, actor: str | None) -> None:
    """Follow activities KEY...: their changes go into the person's digest.

    \b
    A person follows the activities they are responsible for without asking;
    `cam unfollow` says otherwise. How often the digest comes: `cam people digest`.
    """
    _choose(keys, person, actor, True)


@cli.command("unfollow")
@click.argument(
    "keys", metavar="KEY...", nargs=-1, required=True, shell_complete=complete_activities
)
@person_option
@actor_option
def unfollow_command(keys: tuple[str, ...], person: str | None, actor: str | None) -> None:
    """Stop following activities KEY..., even those the person is responsible for."""
    _choose(keys, person, actor, False)


@cli.command("following")
@person_option
@actor_option
@json_option
def following_command(person: str | None, actor: str | None, as_json: bool) -> None:
    """The activities a person follows, and why; how often they are told what changed."""
    row = workspace().following(person, actor=who(actor))
    if as_json:
        emit_json(row)
    else:
        from cam_tracker.cli import console

        console.following(row)


@cli.command("next")
@person_option
@click.option("--as-of", "as_of", metavar="DATE", help="As things stood at the end of DATE.")
@actor_option
@json_option
def next_command(person: str | None, as_of: str | None, actor: str | None, as_json: bool) -> None:
    """What is due from a person: the open milestones of what they are responsible for, by date,
    with the session when and where."""
    key, rows = workspace().next_due(person, actor=who(actor), as_of=as_of)
    if as_json:
        emit_json(rows)
    else:
        from cam_tracker.cli import console

        console.due_from(key, rows)
