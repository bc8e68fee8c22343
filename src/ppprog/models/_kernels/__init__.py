"""ppprog.models._kernels."""
