"""The states of a translation job. Each value is what `jobs.state` stores, so renaming a
member is free but changing a value needs a migration (and old rows keep the old one)."""

from __future__ import annotations

from enum import StrEnum

__all__ = ["FINISHED_STATES", "OPEN_STATES", "JobState"]


class JobState(StrEnum):
    """A StrEnum: members compare equal to the stored strings and are stored as them."""

    QUEUED = "queued"  # written (the outbox sends it) or back in line after a retryable error
    RUNNING = "running"  # claimed by a worker that keeps renewing its lease
    DONE = "done"
    FAILED = "failed"  # out of attempts, or failed for good; an operator may retry it
    WAITING = "waiting-for-model"  # no model for its language yet; sent again when one appears
    CANCELLED = "cancelled"  # superseded by a newer revision, edit or retry before it ran


# A job still to run (or running): at most one per article and language is wanted.
OPEN_STATES = (JobState.QUEUED, JobState.RUNNING, JobState.WAITING)
FINISHED_STATES = (JobState.DONE, JobState.FAILED, JobState.CANCELLED)
