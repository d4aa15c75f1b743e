"""Versioned migrations of the store's schema (Alembic); ``versions/`` holds one file per step."""
