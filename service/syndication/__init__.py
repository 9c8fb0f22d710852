"""What partners read: feed queries and versions, the feed hot path's
process state, the feeds directory, signed item links and WebSub."""
