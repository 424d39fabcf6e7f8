"""modellab: learn model monitoring by doing."""

__version__ = "0.1.0"
