"""Reporting's use cases: applying one event to every read model, inside the consumer's inbox transaction."""
