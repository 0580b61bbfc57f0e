"""`make bench`: each scenario measured against its baseline in the same run, printed as ratios."""
