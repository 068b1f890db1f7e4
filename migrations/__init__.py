"""Alembic migrations of gigbot's schema (applied by `gigbot migrate` and at start)."""
