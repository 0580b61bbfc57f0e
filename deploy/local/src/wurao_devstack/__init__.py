"""The local platform: what `make run` starts and what the end-to-end tests drive."""
