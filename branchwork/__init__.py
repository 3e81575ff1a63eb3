"""Branchwork: runs a federated community association."""

__version__ = "0.1.0"
