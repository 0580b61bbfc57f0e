"""Reporting's rules, without I/O: which period and scopes an event counts in, what it adds, how figures compare."""
