"""Who may do what: API keys and their tokens, abuse limits, signatures of the
CMS's webhook calls."""
