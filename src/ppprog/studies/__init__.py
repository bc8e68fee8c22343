"""ppprog.studies."""
