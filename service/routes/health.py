"""/healthz (the process answers) and /readyz (database, Redis, models per language).

/readyz answers 503 until every configured target language has a route (a direct package or a
pivot through English): a service that cannot translate into a configured language is not
ready for partners, even though its jobs wait safely for the model.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from sqlalchemy import text

from service.deps import RuntimeDep
from service.schemas import HealthOut, ReadyOut

router = APIRouter(tags=["health"])


@router.get("/healthz", response_model=HealthOut)
def healthz() -> HealthOut:
    return HealthOut(status="ok")


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
    models = {
        "ok": not missing,
        "missing": missing,
        "installed": installed,
        "routes": runtime.engines.routes(targets),
    }
    # A configured language no model reaches is not ready: its articles would never appear.
    # Jobs wait for the model (nothing is lost) and resume once it is installed.
    if missing:
        models["hint"] = "install with: " + "; ".join(
            f"kakehashi models install {pair}" for pair in missing
        )
    ready = bool(database["ok"] and redis_state["ok"] and not missing)
    body = ReadyOut(ready=ready, database=database, redis=redis_state, models=models)
    return JSONResponse(body.model_dump(), status_code=200 if ready else 503)
