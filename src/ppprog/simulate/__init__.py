"""ppprog.simulate."""
