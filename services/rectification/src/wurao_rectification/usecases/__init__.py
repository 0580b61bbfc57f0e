"""Use cases: apply the domain rules, then change state and record events in one transaction."""
