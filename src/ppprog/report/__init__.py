"""ppprog.report."""
