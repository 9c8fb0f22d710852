"""`kakehashi keys`: create, list and revoke API keys."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from service.cli._app import console, err, fail, settings_or_exit, store_session

if TYPE_CHECKING:
    pass

keys_app = typer.Typer(help="Create, list and revoke API keys.", no_args_is_help=True)


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
    from service.api_keys import ROLES, KeyProblem, create_key

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


@keys_app.command("list")
def keys_list() -> None:
    """List keys (never their tokens)."""
    from service.api_keys import list_keys

    with store_session(settings_or_exit()) as session:
        table = Table("id", "name", "role", "token starts", "scope", "created", "revoked")
        for k in list_keys(session):
            scope = ",".join(k.languages or ["*"]) + " / " + ",".join(k.sections or ["*"])
            table.add_row(
                str(k.id),
                k.name,
                k.role,
                k.token_prefix + "…",
                scope,
                k.created_at.isoformat(timespec="seconds"),
                k.revoked_at.isoformat(timespec="seconds") if k.revoked_at else "",
            )
    console.print(table)


@keys_app.command("revoke")
def keys_revoke(
    key_id: Annotated[int, typer.Argument(help="The key's id (see keys list).")],
) -> None:
    """Revoke a key; its token stops working at once."""
    from service.api_keys import KeyProblem, revoke_key

    try:
        with store_session(settings_or_exit()) as session:
            revoke_key(session, key_id)
    except KeyProblem as exc:
        raise fail(str(exc), 2) from exc
    console.print(f"key {key_id} revoked")
