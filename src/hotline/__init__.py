"""hotline: the open-source platform for a citizen-service hotline centre."""

__version__ = "0.1.0"
