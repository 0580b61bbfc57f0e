"""Events between services: CloudEvents envelopes, transactional outbox, relay to JetStream, inbox consumers."""
