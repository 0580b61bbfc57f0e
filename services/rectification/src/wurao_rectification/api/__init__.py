"""The GraphQL entrypoint: thin resolvers that call use cases and map outcomes to typed results."""
