"""Translation work: the outbox rows, the translate job, the worker pool, the
engine registry and the notices sent when work ends."""
