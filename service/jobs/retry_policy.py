"""When what the outbox relays is tried again: one policy for notices, partner pushes, hub
pings and jobs.

Each row counts its own attempts (a job's `attempts`, a delivery's `attempts`): that count is
the only one. The broker never retries on its own count (`service.jobs.worker`): a failed job
goes back to the queue with Dramatiq's backoff bounds below, a failed delivery waits in its row
until the relay sends it again at `next_attempt`.
"""

from __future__ import annotations

from datetime import datetime, timedelta

MAX_BACKOFF_SECONDS = 3600.0
JOB_MIN_BACKOFF_MS = 1_000  # a failed job's first retry; doubling per attempt
JOB_MAX_BACKOFF_MS = 60_000


def backoff(base_seconds: float, attempts: int) -> timedelta:
    """The wait after the `attempts`-th failure: `base * 2**(attempts-1)`, at most an hour."""
    seconds = base_seconds * 2.0 ** max(attempts - 1, 0)
    return timedelta(seconds=min(seconds, MAX_BACKOFF_SECONDS))


def next_attempt(
    now: datetime, base_seconds: float, attempts: int, retry_after: float | None
) -> datetime:
    """When to try again; a receiver's `Retry-After` (seconds) is honoured when longer."""
    wait = backoff(base_seconds, attempts)
    if retry_after is not None:
        wait = max(wait, timedelta(seconds=min(retry_after, MAX_BACKOFF_SECONDS)))
    return now + wait


def retryable_status(status: int) -> bool:
    """Whether an HTTP answer is worth another attempt: the receiver's trouble (5xx), or it
    asked us to come back (408, 425, 429). Any other refusal will not change by itself: the
    delivery becomes a dead letter at once, for an admin to look at and re-send."""
    return status >= 500 or status in (408, 425, 429)


def retry_after_seconds(raw: str | None) -> float | None:
    """A `Retry-After` header in seconds (an HTTP date is ignored: our backoff is enough)."""
    if raw is None:
        return None
    try:
        return max(float(raw.strip()), 0.0)
    except ValueError:
        return None
