"""Directory and demo data: Hunan's real division tree and the offices and units of the source articles."""
