"""/metrics: Prometheus text format for operators (jobs, translations, cache, models).

Open by default (it shows counts, no content); with KAKEHASHI_METRICS_TOKEN set it needs
`Authorization: Bearer <that token>`, which Prometheus sends with its `authorization` option.
"""

from __future__ import annotations

import hmac

import redis
from fastapi import APIRouter, Depends, Request
from fastapi.responses import PlainTextResponse

from service import article_views
from service.deps import RuntimeDep, SessionDep
from service.errors import Unauthorized

router = APIRouter(tags=["health"])


def _check_token(request: Request, runtime: RuntimeDep) -> None:
    expected = runtime.settings.metrics_token
    if expected is None:
        return
    scheme, _, given = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(
        given.strip().encode(), expected.get_secret_value().encode()
    ):
        raise Unauthorized("/metrics needs 'Authorization: Bearer <KAKEHASHI_METRICS_TOKEN>'")


def _line(name: str, value: float, **labels: str) -> str:
    if labels:
        inner = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
        return f"{name}{{{inner}}} {value}"
    return f"{name} {value}"


@router.get(
    "/metrics",
    response_class=PlainTextResponse,
    dependencies=[Depends(_check_token)],
    responses={401: {"description": "KAKEHASHI_METRICS_TOKEN is set and was not sent"}},
)
def metrics(runtime: RuntimeDep, session: SessionDep) -> PlainTextResponse:
    out = [
        "# HELP kakehashi_jobs Translation jobs by state and language.",
        "# TYPE kakehashi_jobs gauge",
    ]
    out += [
        _line("kakehashi_jobs", n, state=state, lang=lang)
        for (state, lang), n in sorted(article_views.job_counts(session).items())
    ]
    out += [
        "# HELP kakehashi_translations Stored translations by language and review state.",
        "# TYPE kakehashi_translations gauge",
    ]
    out += [
        _line("kakehashi_translations", n, lang=lang, needs_review=str(review).lower())
        for (lang, review), n in sorted(article_views.translation_counts(session).items())
    ]
    out += ["# HELP kakehashi_articles Articles by status.", "# TYPE kakehashi_articles gauge"]
    out += [
        _line("kakehashi_articles", n, status=s)
        for s, n in sorted(article_views.article_counts(session).items())
    ]
    out += [
        "# HELP kakehashi_models_missing Configured languages no installed model reaches.",
        "# TYPE kakehashi_models_missing gauge",
        _line(
            "kakehashi_models_missing",
            len(runtime.engines.missing_pairs(runtime.settings.target_languages)),
        ),
    ]
    try:
        hits, misses = runtime.cache_counts()
        out += [
            "# HELP kakehashi_sentence_cache_total Sentence cache lookups by result.",
            "# TYPE kakehashi_sentence_cache_total counter",
            _line("kakehashi_sentence_cache_total", hits, result="hit"),
            _line("kakehashi_sentence_cache_total", misses, result="miss"),
        ]
        up = 1
    except redis.RedisError:
        up = 0
    out += [
        "# HELP kakehashi_redis_up Whether Redis answered.",
        "# TYPE kakehashi_redis_up gauge",
        _line("kakehashi_redis_up", up),
    ]
    return PlainTextResponse("\n".join(out) + "\n", media_type="text/plain; version=0.0.4")
