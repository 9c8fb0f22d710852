"""`kakehashi keys`: create, list and revoke API keys."""

from __future__ import annotations

import json
from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from service.cli._app import console, err, fail, settings_or_exit, store_session

if TYPE_CHECKING:
    from service.store.tables import ApiKey

keys_app = typer.Typer(
    help="Create, list, rotate, re-scope and revoke API keys.", no_args_is_help=True
)


@keys_app.command("create")
def keys_create(
    role: Annotated[str, typer.Option(help="publisher, editor, partner or admin.")],
    name: Annotated[str, typer.Option(help="Who the key is for.")],
    language: Annotated[
        list[str] | None,
        typer.Option(help="Partner scope: a language it may read (repeat; default all)."),
    ] = None,
    section: Annotated[
        list[str] | None,
        typer.Option(help="Partner scope: a section it may read (repeat; default all)."),
    ] = None,
    include_needs_review: Annotated[
        bool, typer.Option(help="Partner sees translations flagged for review.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="JSON output.")] = False,
) -> None:
    """Create a key and print its token once; only a hash is stored."""
    from service.access.api_keys import ROLES, KeyProblem, create_key

    settings = settings_or_exit()
    if role not in ROLES:
        raise fail(f"unknown role {role!r}; choose one of {', '.join(ROLES)}", 2)
    if role != "partner" and (language or section or include_needs_review):
        raise fail("--language, --section and --include-needs-review scope partner keys only", 2)
    configured = ("ja", *settings.target_languages)
    for lang in language or ():
        if lang not in configured:
            raise fail(
                f"{lang!r} is not a configured language; KAKEHASHI_TARGET_LANGUAGES has "
                f"{', '.join(settings.target_languages)} (and ja, the originals)",
                2,
            )
    try:
        with store_session(settings) as session:
            row, token = create_key(
                session,
                name=name,
                role=role,
                languages=language,
                sections=section,
                include_needs_review=include_needs_review,
            )
            key_id = row.id
    except KeyProblem as exc:
        raise fail(str(exc), 2) from exc
    if as_json:
        print(json.dumps({"id": key_id, "role": role, "name": name, "token": token}))
        return
    # The message goes to stderr, the token alone to stdout: TOKEN=$(kakehashi keys create ...)
    err.print(f"key {key_id} ({role}, {name}) created. Its token, shown only now:")
    print(token)


def _when(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M") if moment else ""


@keys_app.command("list")
def keys_list(
    as_json: Annotated[bool, typer.Option("--json", help="JSON output.")] = False,
) -> None:
    """List keys (never their tokens), with their scope and when each was last used."""
    from service.access.api_keys import list_keys

    with store_session(settings_or_exit()) as session:
        keys = list_keys(session)
        if as_json:
            print(json.dumps([_key_json(k) for k in keys], ensure_ascii=False))
            return
        table = Table("id", "name", "role", "token", "scope", "created", "last used", "revoked")
        # A narrow terminal wraps a date at its space ("2026-12-03 / 13:08") instead of
        # cutting it off; names and roles keep room to be read.
        for column in table.columns[:3]:
            column.min_width = 6
        for k in keys:
            scope = ",".join(k.languages or ["*"]) + " / " + ",".join(k.sections or ["*"])
            table.add_row(
                str(k.id),
                k.name,
                k.role,
                f"{k.token_prefix}…",
                scope + (" +review" if k.include_needs_review else ""),
                _when(k.created_at),
                _when(k.last_used_at),
                _when(k.revoked_at),
            )
    console.print(table)


def _key_json(k: ApiKey) -> dict[str, object]:
    def iso(moment: datetime | None) -> str | None:
        return moment.isoformat() if moment else None

    return {
        "id": k.id,
        "name": k.name,
        "role": k.role,
        "token_prefix": k.token_prefix,
        "languages": k.languages,
        "sections": k.sections,
        "include_needs_review": k.include_needs_review,
        "created_at": iso(k.created_at),
        "last_used_at": iso(k.last_used_at),
        "revoked_at": iso(k.revoked_at),
    }


@keys_app.command("rotate")
def keys_rotate(
    key_id: Annotated[int, typer.Argument(help="The key's id (see keys list).")],
) -> None:
    """Give a key a new token (same id, role and scope); the old token stops working at once."""
    from service.access.api_keys import KeyProblem, rotate_key

    try:
        with store_session(settings_or_exit()) as session:
            _, token = rotate_key(session, key_id)
    except KeyProblem as exc:
        raise fail(str(exc), 2) from exc
    err.print(f"key {key_id} rotated; the old token no longer works. The new one, shown only now:")
    print(token)


@keys_app.command("scope")
def keys_scope(
    key_id: Annotated[int, typer.Argument(help="The partner key's id (see keys list).")],
    language: Annotated[
        list[str] | None,
        typer.Option(help="A language it may read (repeat; none given: all)."),
    ] = None,
    section: Annotated[
        list[str] | None,
        typer.Option(help="A section it may read (repeat; none given: all)."),
    ] = None,
    include_needs_review: Annotated[
        bool,
        typer.Option(
            "--include-needs-review/--published-only",
            help="Whether it also sees translations flagged for review.",
        ),
    ] = False,
) -> None:
    """Set what a partner key may read; the new scope applies to its next request."""
    from service.access.api_keys import KeyProblem, rescope_key

    try:
        with store_session(settings_or_exit()) as session:
            row = rescope_key(
                session,
                key_id,
                languages=language,
                sections=section,
                include_needs_review=include_needs_review,
            )
            scope = (row.languages or ["*"], row.sections or ["*"], row.include_needs_review)
    except KeyProblem as exc:
        raise fail(str(exc), 2) from exc
    console.print(
        f"key {key_id}: languages {','.join(scope[0])}, sections {','.join(scope[1])}, "
        f"{'includes' if scope[2] else 'excludes'} translations flagged for review"
    )


@keys_app.command("revoke")
def keys_revoke(
    key_id: Annotated[int, typer.Argument(help="The key's id (see keys list).")],
) -> None:
    """Revoke a key; its token stops working at once."""
    from service.access.api_keys import KeyProblem, revoke_key

    try:
        with store_session(settings_or_exit()) as session:
            revoke_key(session, key_id)
    except KeyProblem as exc:
        raise fail(str(exc), 2) from exc
    console.print(f"key {key_id} revoked")
