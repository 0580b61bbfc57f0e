"""The reporting subgraph: read models exposed on the entities other services own."""
