"""ppprog.records."""
