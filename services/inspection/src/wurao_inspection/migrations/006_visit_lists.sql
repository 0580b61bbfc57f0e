-- Visits newest first: a list over a large region (a city, the province) walks this index and stops at its page,
-- instead of reading and sorting every visit of the region; keyset pages continue from (inspected_at, id).
CREATE INDEX visits_newest ON visits (inspected_at DESC, id DESC);
