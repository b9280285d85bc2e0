"""The register of documents: registering one, citing one in a step, what cites what.

A plan's register holds its documents (`models.Document`), each under the
symbol `core.symbols.normalise` spells, once: two spellings of one symbol
(`core.symbols.identity`) are one document. A step cites a document by its
symbol (`History.document`, text hashed into the chain), so the register is
never needed to read a step, and a step recorded before its document was
registered reads as it always did.

When a step cites a symbol (`cite`):
- a registered document: the step cites it under the register's spelling;
- a plan whose `documents_policy` says `register_on_first_use`: the
  document is registered then (it must be of one of the plan's series);
- a plan that keeps a register (it has a document, or declares `symbols:` or
  a `documents_policy:`):
  the symbol is refused, with the closest registered ones and how to register it;
- a plan with neither: the symbol is taken as typed, as before the register
  existed, so that a secretariat upgrading is never blocked by it.

Registering is a `Change` row of the history chain (subject `document`).
"""

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, col, or_, select

from cam_tracker import store
from cam_tracker.app import corrections
from cam_tracker.app.authorization import Actor, identify, permit, plan_policy, record
from cam_tracker.app.lookup import find_activity, find_session
from cam_tracker.core.dates import iso, local_day
from cam_tracker.core.errors import InvalidInput, MissingValue, NotFound, did_you_mean
from cam_tracker.core.symbols import (
    check_status,
    check_symbol,
    check_url,
    compile_pattern,
    identity,
    matches,
)
from cam_tracker.core.text import (
    MAX_SYMBOL,
    MAX_TITLE,
    SOURCE_LANGUAGE,
    clean_line,
    languages,
    local,
    quoted,
)
from cam_tracker.files.plan import DocumentSpec
from cam_tracker.store import models

Row = dict[str, Any]

# What a document's row in the chain says about it.
RECORDED = ("symbol", "title", "date", "languages", "url", "status")


def series(plan: models.Plan) -> list[re.Pattern[str]]:
    """The plan's symbol patterns (validated when the plan was loaded)."""
    return [compile_pattern(pattern) for pattern in (plan.symbols or {}).values()]


def check_series(plan: models.Plan, symbol: str, field: str = "symbol") -> None:
    """A symbol of one of the plan's series, when the plan declares any."""
    patterns = series(plan)
    if patterns and not matches(symbol, patterns):
        written = ", ".join((plan.symbols or {}).values())
        raise InvalidInput(
            f"{quoted(symbol)} is of none of the series of {plan.name} ({written})",
            fields=(field,),
        )


def register_on_first_use(plan: models.Plan) -> bool:
    return bool((plan.documents_policy or {}).get("register_on_first_use"))


def _symbols(db: Session, plan: models.Plan) -> list[str]:
    return list(
        db.exec(
            select(models.Document.symbol)
            .where(models.Document.plan_id == plan.id)
            .order_by(col(models.Document.id))
        )
    )


def find(db: Session, plan: models.Plan, symbol: str) -> models.Document | None:
    """The plan's document of this symbol however it is spelled, or None."""
    exact = db.exec(
        select(models.Document)
        .where(models.Document.plan_id == plan.id)
        .where(models.Document.symbol == symbol)
    ).first()
    if exact is not None:
        return exact
    wanted = identity(symbol)
    for document_id, written in db.exec(
        select(models.Document.id, models.Document.symbol).where(models.Document.plan_id == plan.id)
    ):
        if identity(written) == wanted:
            return db.get(models.Document, document_id)
    return None


def keeps_register(db: Session, plan: models.Plan) -> bool:
    """Whether the plan's steps must cite registered documents (see the module's docstring)."""
    if plan.symbols or plan.documents_policy is not None:
        return True
    return (
        db.exec(
            select(models.Document.id).where(models.Document.plan_id == plan.id).limit(1)
        ).first()
        is not None
    )


def facts(document: models.Document) -> dict[str, Any]:
    """A document's recorded fields, as a change row carries them (JSON values)."""
    return {
        "symbol": document.symbol,
        "title": dict(document.title),
        "date": iso(document.date),
        "languages": list(document.languages),
        "url": document.url,
        "status": document.status,
    }


def _register(
    db: Session,
    plan: models.Plan,
    who: Actor,
    document: models.Document,
    note: str | None = None,
) -> models.Document:
    """Add a document to the register (its symbol checked by the caller), in the chain."""
    existing = find(db, plan, document.symbol)
    if existing is not None:
        same = "" if existing.symbol == document.symbol else f" as {quoted(existing.symbol)}"
        raise InvalidInput(
            f"document {quoted(document.symbol)} is registered already{same} in {plan.name}",
            fields=("symbol",),
        )
    check_series(plan, document.symbol)
    db.add(document)
    db.flush()
    record(
        db,
        who,
        models.DOCUMENT,
        document.symbol,
        "registered",
        {name: [None, value] for name, value in facts(document).items()},
        plan_id=plan.id,
        note=note,
    )
    return document


def check_languages(given: str | list[str] | None) -> list[str]:
    """Languages as `en,es` or a list: each one known, in the order of `languages()`."""
    if given is None:
        return []
    names = given.split(",") if isinstance(given, str) else given
    wanted = [name.strip() for name in names if name.strip()]
    known = languages()
    for name in wanted:
        if name not in known:
            raise InvalidInput(
                f"unknown language {quoted(name)}{did_you_mean(name, known)} "
                f"(use {', '.join(known)})",
                fields=("languages",),
            )
    return [lang for lang in known if lang in wanted]


def check_titles(titles: dict[str, str | None]) -> dict[str, str]:
    """A title in each language given; English is required, each one line."""
    cleaned = {lang: clean_line(text, "title", MAX_TITLE) for lang, text in titles.items() if text}
    labels = {lang: text for lang, text in cleaned.items() if text}
    if not labels.get(SOURCE_LANGUAGE):
        raise MissingValue("a document needs a title in English", fields=("title",))
    unknown = [lang for lang in labels if lang not in languages()]
    if unknown:
        raise InvalidInput(f"unknown language {quoted(unknown[0])}", fields=("title",))
    return labels


def add(
    db: Session,
    plan: models.Plan,
    symbol: str,
    *,
    titles: dict[str, str | None],
    actor: str,
    date: dt.date | None = None,
    languages_given: str | None = None,
    url: str | None = None,
    status: str | None = None,
) -> models.Document:
    """`cam doc add`: register a document of the plan (the plan's policy: `register_document`)."""
    store.lock_for_write(db)
    who = identify(db, actor, plan)
    permit(who, plan_policy(plan), "register_document")
    document = models.Document(
        plan_id=plan.id or 0,
        symbol=check_symbol(symbol),
        title=check_titles(titles),
        date=date,
        languages=check_languages(languages_given),
        url=check_url(url),
        status=check_status(status) if status is not None else None,
    )
    return _register(db, plan, who, document)


def cite(db: Session, plan: models.Plan, who: Actor, document: str | None) -> str | None:
    """The symbol a step records for the document it cites (see the module's docstring)."""
    if document is None:
        return None
    symbol = check_symbol(document, "document")
    found = find(db, plan, symbol)
    if found is not None:
        return found.symbol
    if register_on_first_use(plan):
        check_series(plan, symbol, "document")
        _register(
            db,
            plan,
            who,
            models.Document(plan_id=plan.id or 0, symbol=symbol, title={}),
            note="registered when a step first cited it",
        )
        return symbol
    if not keeps_register(db, plan):
        return clean_line(document, "document", MAX_SYMBOL)
    known = _symbols(db, plan)
    raise NotFound(
        f"no document {quoted(symbol)} in the register of {plan.name}"
        f"{did_you_mean(symbol, known)}; register it first: "
        f"cam doc add {_shell(symbol)} --title TITLE",
        fields=("document",),
    )


def _shell(text: str) -> str:
    """A symbol as one word of a shell command line."""
    import shlex

    return shlex.quote(text)


def load(
    db: Session, plan: models.Plan, specs: list[DocumentSpec], who: Actor
) -> tuple[list[str], list[str]]:
    """The plan file's documents into its register: the symbols added, and changed.

    A document the file no longer lists stays: the register is the record.
    """
    added: list[str] = []
    changed: list[str] = []
    for spec in specs:
        wanted = models.Document(
            plan_id=plan.id or 0,
            symbol=spec.symbol,
            title=dict(spec.title),
            date=spec.date,
            languages=list(spec.languages),
            url=spec.url,
            status=spec.status,
        )
        existing = find(db, plan, spec.symbol)
        if existing is None:
            _register(db, plan, who, wanted, note="from the plan file")
            added.append(spec.symbol)
            continue
        if _revise(db, plan, who, existing, wanted, note="from the plan file"):
            changed.append(existing.symbol)
    return added, changed


def _revise(
    db: Session,
    plan: models.Plan,
    who: Actor,
    existing: models.Document,
    wanted: models.Document,
    note: str | None = None,
) -> bool:
    """Bring a registered document to `wanted` (its symbol stays): one `changed` row of the
    chain naming each field before and after, or nothing at all when nothing differs."""
    before, after = facts(existing), facts(wanted)
    after["symbol"] = existing.symbol
    differs = {
        name: [before[name], after[name]] for name in RECORDED if before[name] != after[name]
    }
    if not differs:
        return False
    existing.title = wanted.title
    existing.date = wanted.date
    existing.languages = wanted.languages
    existing.url = wanted.url
    existing.status = wanted.status
    db.add(existing)
    db.flush()
    record(
        db, who, models.DOCUMENT, existing.symbol, "changed", differs, plan_id=plan.id, note=note
    )
    return True


UNSET: Any = object()


def revise(
    db: Session,
    plan: models.Plan,
    symbol: str,
    *,
    titles: dict[str, str | None],
    actor: str,
    date: dt.date | None = UNSET,
    languages_given: str | None = UNSET,
    url: str | None = UNSET,
    status: str | None = UNSET,
) -> tuple[models.Document, bool]:
    """`cam doc set`: correct a registered document's entry, and whether anything changed.

    Only what is given changes (a title per language, `""` removes a translation but
    never the English title); the symbol is the document's identity and never changes
    (register the new one instead). The same right as registering (`register_document`).
    """
    store.lock_for_write(db)
    who = identify(db, actor, plan)
    permit(who, plan_policy(plan), "register_document")
    existing = find(db, plan, check_symbol(symbol))
    if existing is None:
        known = _symbols(db, plan)
        raise NotFound(
            f"no document {quoted(symbol)} in the register of {plan.name}"
            f"{did_you_mean(symbol, known)}",
            fields=("symbol",),
        )
    title = dict(existing.title)
    for lang, text in titles.items():
        if text is None:
            continue
        if text.strip():
            title[lang] = text
        else:
            title.pop(lang, None)
    wanted = models.Document(
        plan_id=existing.plan_id,
        symbol=existing.symbol,
        title=(
            check_titles(dict(title))
            if any(text is not None for text in titles.values())
            else dict(existing.title)
        ),
        date=existing.date if date is UNSET else date,
        languages=(
            list(existing.languages)
            if languages_given is UNSET
            else check_languages(languages_given)
        ),
        url=existing.url if url is UNSET else check_url(url or None),
        status=(existing.status if status is UNSET else (check_status(status) if status else None)),
    )
    return existing, _revise(db, plan, who, existing, wanted)


# --- the read side -------------------------------------------------------------------


@dataclass(frozen=True)
class Citation:
    """A step that cites a document, as its corrections leave it."""

    step: int
    activity: str
    event: str
    session: str | None
    day: dt.date
    symbol: str


def citations(db: Session, plan: models.Plan) -> list[Citation]:
    """Every step of the plan that cites a document, in the order they happened.

    One query whatever the store's size: the steps that cite one, the steps a
    correction gave one, and the corrections (which may change a step's day).
    """
    corrected = select(models.History.corrects_id).where(
        col(models.History.corrected_document).is_not(None)
    )
    rows = db.exec(
        select(models.History, models.Activity.key, models.Meeting.key)
        .join(models.Activity, col(models.Activity.id) == col(models.History.activity_id))
        .outerjoin(models.Meeting, col(models.Meeting.id) == col(models.History.session_id))
        .where(models.Activity.plan_id == plan.id)
        .where(
            or_(
                col(models.History.document).is_not(None),
                col(models.History.corrects_id).is_not(None),
                col(models.History.id).in_(corrected),
            )
        )
        .order_by(col(models.History.at), col(models.History.id))
    ).all()
    about = {row.id: (activity, meeting) for row, activity, meeting in rows}
    read = corrections.apply(row for row, _activity, _meeting in rows)
    return [
        Citation(
            step=row.id or 0,
            activity=about[row.id][0],
            event=row.event,
            session=about[row.id][1],
            day=local_day(row.at, plan.timezone),
            symbol=row.document,
        )
        for row in read.rows
        if row.corrects_id is None and row.document is not None
    ]


def document_row(
    symbol: str, document: models.Document | None, cited: list[Citation], lang: str
) -> Row:
    """A document as `cam doc list` and `cam doc show` give it (unregistered: its symbol only)."""
    return {
        "symbol": document.symbol if document is not None else symbol,
        "registered": document is not None,
        "title": (local(document.title, lang) or None) if document is not None else None,
        "titles": dict(document.title) if document is not None else {},
        "date": iso(document.date) if document is not None else None,
        "languages": list(document.languages) if document is not None else [],
        "url": document.url if document is not None else None,
        "status": document.status if document is not None else None,
        "cited_by": [
            {
                "step": c.step,
                "activity": c.activity,
                "event": c.event,
                "session": c.session,
                "day": iso(c.day),
            }
            for c in cited
        ],
    }


def _register_of(db: Session, plan: models.Plan) -> list[models.Document]:
    return list(
        db.exec(
            select(models.Document)
            .where(models.Document.plan_id == plan.id)
            .order_by(col(models.Document.id))
        )
    )


def listing(
    db: Session,
    plan: models.Plan,
    *,
    activity: str | None = None,
    session: str | None = None,
    lang: str = "en",
) -> list[Row]:
    """`cam doc list`: the register, then symbols steps cite that it lacks; with `activity`
    or `session`, only the documents the steps of that activity or at that session cite,
    in the order they were first cited. A fixed number of queries."""
    if activity is not None:
        find_activity(db, plan, activity)
    if session is not None:
        find_session(db, plan, session)
    register = _register_of(db, plan)
    by_identity = {identity(d.symbol): d for d in register}
    cited = [
        c
        for c in citations(db, plan)
        if (activity is None or c.activity == activity)
        and (session is None or c.session == session)
    ]
    groups: dict[str, list[Citation]] = {}
    for citation in cited:
        groups.setdefault(identity(citation.symbol), []).append(citation)
    first_symbol = {key: group[0].symbol for key, group in groups.items()}
    if activity is None and session is None:
        keys = [identity(d.symbol) for d in register]
        keys += [key for key in groups if key not in by_identity]
    else:
        keys = list(groups)
    return [
        document_row(first_symbol.get(key, ""), by_identity.get(key), groups.get(key, []), lang)
        for key in keys
    ]


def detail(db: Session, plan: models.Plan, symbol: str, lang: str = "en") -> Row:
    """`cam doc show`: one document and the steps that cite it (registered or only cited)."""
    wanted = check_symbol(symbol)
    key = identity(wanted)
    document = find(db, plan, wanted)
    cited = [c for c in citations(db, plan) if identity(c.symbol) == key]
    if document is None and not cited:
        known = _symbols(db, plan)
        raise NotFound(f"no document {quoted(wanted)} in {plan.name}{did_you_mean(wanted, known)}")
    return document_row(wanted, document, cited, lang)
