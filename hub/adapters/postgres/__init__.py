"""PostgreSQL adapter: pool, migrations, stores, queries and the change listener."""
