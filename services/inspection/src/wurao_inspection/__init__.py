"""wurao inspection: scan verification, check-in under frequency caps, visits, findings, complaints, ratings."""
