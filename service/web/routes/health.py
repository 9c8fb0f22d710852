"""/healthz (the process can do its job, see `service.jobs.liveness`) and /readyz (database, Redis,
models per language).

/readyz is per language: it answers 200 while the store, Redis and at least one configured
language can be served, and names the languages no model reaches (`models.missing`, with the
install commands of a direct pair and of the pivot through English). One missing language must
not take the others' healthy feeds out of a load balancer; its jobs wait safely for the model.
With no language served at all it answers 503.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text

from service.schemas import HealthOut, ReadyOut
from service.web.deps import RuntimeDep

router = APIRouter(tags=["health"])


@router.get("/healthz", response_model=HealthOut, responses={503: {"model": HealthOut}})
def healthz(request: Request, runtime: RuntimeDep) -> JSONResponse:
    """200 while the process can do its job; 503 (restart me) when its worker threads or
    outbox relay died, or its Redis has been unreachable past the grace period."""
    problems = []
    pool = getattr(request.app.state, "pool", None)
    if pool is not None and not pool.healthy():
        problems.append("worker threads or the outbox relay died")
    redis_problem = runtime.redis_watch.problem()
    if redis_problem is not None:
        problems.append(redis_problem)
    body = HealthOut(status="failing" if problems else "ok", problems=problems)
    return JSONResponse(body.model_dump(), status_code=503 if problems else 200)


@router.get("/readyz", response_model=ReadyOut, responses={503: {"model": ReadyOut}})
def readyz(runtime: RuntimeDep) -> JSONResponse:
    database: dict[str, Any] = {"ok": True, "backend": runtime.db_engine.dialect.name}
    try:
        with runtime.db_engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as exc:
        database = {"ok": False, "backend": runtime.db_engine.dialect.name, "error": str(exc)}
    redis_state: dict[str, Any] = {"ok": True, "embedded": runtime.embedded_redis is not None}
    try:
        runtime.redis.ping()
    except Exception as exc:
        redis_state = {
            "ok": False,
            "embedded": runtime.embedded_redis is not None,
            "error": str(exc),
        }
    targets = runtime.settings.target_languages
    missing = runtime.engines.missing_pairs(targets)
    installed = sorted(f"{p.source}:{p.target}@{p.version}" for p in runtime.engines.installed())
    routes = runtime.engines.routes(targets)
    served = [lang for lang, route in routes.items() if route is not None]
    models = {
        "ok": not missing,
        "missing": missing,
        "served": served,
        "installed": installed,
        "routes": routes,
    }
    # A configured language no model reaches is named; jobs wait for the model (nothing is
    # lost) and resume once it is installed.
    if missing:
        models["hint"] = "install with: " + "; ".join(_install_hint(pair) for pair in missing)
    ready = bool(database["ok"] and redis_state["ok"] and served)
    body = ReadyOut(ready=ready, database=database, redis=redis_state, models=models)
    return JSONResponse(body.model_dump(), status_code=200 if ready else 503)


def _install_hint(pair: str) -> str:
    """The commands that give `ja:xx` a route: its own package, or the pivot through English
    (`ja:en` and `en:xx`), which is how most argos languages are reached from Japanese."""
    source, target = pair.split(":")
    direct = f"kakehashi models install {pair}"
    if target == "en":
        return direct
    return (
        f"{direct} (or through English: kakehashi models install {source}:en; "
        f"kakehashi models install en:{target})"
    )
