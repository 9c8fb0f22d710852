"""/v1/translate: translate a text now, with the glossary report, for editors' previews."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends

from service.db import session_scope
from service.deps import RuntimeDep
from service.deps import require as _require
from service.errors import Invalid, ModelMissing, TooLarge
from service.job_limits import Budget, OverBudget, bounded
from service.schemas import TranslateIn
from translators.pipeline import translate_texts

router = APIRouter(prefix="/v1/translate", tags=["translate"])


@router.post(
    "",
    dependencies=[Depends(_require("editor", "publisher"))],
    responses={
        409: {"description": "no model installed for the pair"},
        413: {
            "description": "a text over KAKEHASHI_TRANSLATE_MAX_CHARS, or one that did not "
            "translate within KAKEHASHI_TRANSLATE_TIME_BUDGET_SECONDS: post an article"
        },
    },
)
def translate(body: TranslateIn, runtime: RuntimeDep) -> dict[str, Any]:
    """Translate a text: the joined translation, one segment per source sentence with its
    flags and terms, and whether (and why) it needs review.

    A plain `def`: loading a model, reading glossaries and translating all block, so FastAPI
    runs the handler in its thread pool instead of on the event loop.
    """
    limit = runtime.settings.translate_max_chars
    if len(body.text) > limit:
        raise TooLarge(
            f"the text has {len(body.text)} characters; /v1/translate takes up to {limit}. "
            "Translate a longer text as an article (POST /v1/articles) and read its translation "
            "when its job is done",
            code="text_too_long",
        )
    if body.source != "ja":
        raise Invalid("only Japanese (ja) sources are supported", code="unsupported_pair")
    if body.target not in runtime.settings.target_languages:
        raise Invalid(
            f"{body.target!r} is not a configured target language "
            f"({', '.join(runtime.settings.target_languages)})",
            code="unknown_language",
        )
    engine = runtime.engines.engine(body.target)
    if engine is None:
        raise ModelMissing(f"no model installed for ja:{body.target}")
    matcher = None
    if body.glossary:
        with session_scope(runtime.sessions) as session:
            matcher = runtime.matchers.for_names(session, body.glossaries)
    cache, policy = runtime.sentence_cache, runtime.settings.review_policy
    # The same bounds as a job's: bounded engine calls, and a budget checked between them.
    engine = bounded(engine, Budget(runtime.settings.translate_time_budget_seconds))
    try:
        [result] = translate_texts(
            [body.text], engine=engine, matcher=matcher, cache=cache, policy=policy
        )
        out = result.to_dict()
        if body.compare:
            [plain] = translate_texts(
                [body.text], engine=engine, matcher=None, cache=cache, policy=policy
            )
            out["without_glossary"] = plain.to_dict()
    except OverBudget as exc:
        raise TooLarge(
            f"the text did not translate within the request's budget: {exc}. Translate it as "
            "an article (POST /v1/articles)",
            code="over_time_budget",
        ) from exc
    return out
