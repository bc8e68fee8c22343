"""ppprog.cli."""
