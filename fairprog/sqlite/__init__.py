"""Django's SQLite backend, for the embedded default: see ``base``."""
