"""The inspection service's rules, in plain Python with no I/O."""
