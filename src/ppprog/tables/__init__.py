"""ppprog.tables."""
