"""ppprog: survival and prognosis modelling of paradoxical psoriasis."""

from ppprog._version import __version__

__all__ = ["__version__"]
