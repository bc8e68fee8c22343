"""ppprog.models."""
