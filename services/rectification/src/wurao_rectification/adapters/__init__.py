"""PostgreSQL access for the rectification service: plain SQL over asyncpg."""
