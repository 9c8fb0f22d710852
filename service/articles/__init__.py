"""Articles in and out: what the CMS sends (publish, revise, retract) and how
articles, jobs and translations read back."""
