"""ppprog.plotting."""
