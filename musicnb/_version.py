"""The single place the package version is written (read by pyproject and by every notebook)."""

__version__ = "0.1.0"
