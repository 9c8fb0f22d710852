"""/metrics in the Prometheus exposition format, built with `prometheus_client`.

Everything shown is read from the store of record at scrape time (jobs, queue depth and the
age of the oldest waiting job per language, recent job run times, translations, articles,
notice deliveries), so one scrape of any API process tells the whole installation's state,
however many processes and workers there are; the sentence-cache counters come from Redis.

Open by default (it shows counts, no content); with KAKEHASHI_METRICS_TOKEN set it needs
`Authorization: Bearer <that token>`, which Prometheus sends with its `authorization` option.
"""

from __future__ import annotations

import hmac
import statistics
from collections.abc import Iterator
from datetime import timedelta

import redis
from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy.orm import Session

from service.articles import views as article_views
from service.errors import Unauthorized
from service.jobs.states import JobState
from service.runtime import Runtime
from service.store.tables import utcnow
from service.web.deps import RuntimeDep, SessionDep

router = APIRouter(tags=["health"])
WAITING_STATES = (JobState.QUEUED, JobState.WAITING)
RECENT = timedelta(hours=1)
QUANTILES = (0.5, 0.9, 0.99)


def _check_token(request: Request, runtime: RuntimeDep) -> None:
    expected = runtime.settings.metrics_token
    if expected is None:
        return
    scheme, _, given = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(
        given.strip().encode(), expected.get_secret_value().encode()
    ):
        raise Unauthorized("/metrics needs 'Authorization: Bearer <KAKEHASHI_METRICS_TOKEN>'")


def _quantile(values: list[float], q: float) -> float:
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[round(q * 100) - 1]


class StoreCollector(Collector):
    """The installation's state, read in the scrape's one database session."""

    def __init__(self, runtime: Runtime, session: Session) -> None:
        self._runtime = runtime
        self._session = session

    def collect(self) -> Iterator[Metric]:
        yield from self._jobs()
        yield from self._content()
        yield from self._runtime_state()

    def _jobs(self) -> Iterator[Metric]:
        jobs = GaugeMetricFamily(
            "kakehashi_jobs", "Translation jobs by state and language.", labels=["state", "lang"]
        )
        for (state, lang), n in sorted(article_views.job_counts(self._session).items()):
            jobs.add_metric([state, lang], n)
        yield jobs
        depth = GaugeMetricFamily(
            "kakehashi_queue_depth", "Jobs queued or waiting for a model.", labels=["lang"]
        )
        age = GaugeMetricFamily(
            "kakehashi_queue_oldest_age_seconds",
            "Age of the oldest job queued or waiting for a model.",
            labels=["lang"],
        )
        now = utcnow()
        for lang, (count, oldest) in sorted(
            article_views.queue_ages(self._session, WAITING_STATES).items()
        ):
            depth.add_metric([lang], count)
            age.add_metric([lang], max(0.0, (now - oldest).total_seconds()))
        yield depth
        yield age
        runs = GaugeMetricFamily(
            "kakehashi_job_run_seconds",
            "Run time (claim to finish) of the jobs done in the last hour, by quantile.",
            labels=["lang", "quantile"],
        )
        done = GaugeMetricFamily(
            "kakehashi_jobs_done_recent", "Jobs done in the last hour.", labels=["lang"]
        )
        for lang, values in sorted(
            article_views.recent_durations(self._session, now - RECENT).items()
        ):
            done.add_metric([lang], len(values))
            for q in QUANTILES:
                runs.add_metric([lang, str(q)], _quantile(values, q))
        yield runs
        yield done

    def _content(self) -> Iterator[Metric]:
        translations = GaugeMetricFamily(
            "kakehashi_translations",
            "Stored translations by language and review state.",
            labels=["lang", "needs_review"],
        )
        for (lang, review), n in sorted(article_views.translation_counts(self._session).items()):
            translations.add_metric([lang, str(review).lower()], n)
        yield translations
        articles = GaugeMetricFamily("kakehashi_articles", "Articles by status.", labels=["status"])
        for status, n in sorted(article_views.article_counts(self._session).items()):
            articles.add_metric([status], n)
        yield articles
        deliveries = GaugeMetricFamily(
            "kakehashi_deliveries",
            "Notices to the review desk and the CMS by state (failed: given up).",
            labels=["target", "state"],
        )
        for (target, state), n in sorted(article_views.delivery_counts(self._session).items()):
            deliveries.add_metric([target, state], n)
        yield deliveries

    def _runtime_state(self) -> Iterator[Metric]:
        settings = self._runtime.settings
        yield GaugeMetricFamily(
            "kakehashi_models_missing",
            "Configured languages no installed model reaches.",
            value=len(self._runtime.engines.missing_pairs(settings.target_languages)),
        )
        try:
            hits, misses = self._runtime.cache_counts()
            cache = CounterMetricFamily(
                "kakehashi_sentence_cache",
                "Sentence cache lookups by result.",
                labels=["result"],
            )
            cache.add_metric(["hit"], hits)
            cache.add_metric(["miss"], misses)
            yield cache
            up = 1
        except redis.RedisError:
            up = 0
        yield GaugeMetricFamily("kakehashi_redis_up", "Whether Redis answered.", value=up)


@router.get(
    "/metrics",
    response_class=Response,
    dependencies=[Depends(_check_token)],
    responses={401: {"description": "KAKEHASHI_METRICS_TOKEN is set and was not sent"}},
)
def metrics(runtime: RuntimeDep, session: SessionDep) -> Response:
    registry = CollectorRegistry(auto_describe=False)
    registry.register(StoreCollector(runtime, session))
    return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)
