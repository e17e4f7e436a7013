"""Tradelane: cross-border trade escrow contracts and the Python toolkit that drives them."""

from tradelane.errors import TradelaneError

__version__ = "0.1.0"
__all__ = ["TradelaneError", "__version__"]
