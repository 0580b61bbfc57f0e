"""PostgreSQL access for the plan service: plain SQL over asyncpg."""
