"""Storage: engine and sessions, the declarative base, column types and Alembic migrations."""
