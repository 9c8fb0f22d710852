"""The review desk: partner-visible snapshots, the queue, approval with
corrections, and the translation memory corrections feed."""
