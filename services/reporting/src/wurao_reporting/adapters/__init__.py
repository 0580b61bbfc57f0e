"""PostgreSQL access for the reporting read models."""
