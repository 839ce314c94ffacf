"""Adapters: MQTT, PostgreSQL, web, local services, metrics."""
