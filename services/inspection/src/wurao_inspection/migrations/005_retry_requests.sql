-- The request id a refusal, complaint or rating was made under (scoped to the unit), so a retried request
-- returns the first result instead of recording a second one (or, for a rating, a conflict).
ALTER TABLE refusals ADD COLUMN request_id text;
CREATE UNIQUE INDEX refusals_request ON refusals (request_id) WHERE request_id IS NOT NULL;
ALTER TABLE complaints ADD COLUMN request_id text;
CREATE UNIQUE INDEX complaints_request ON complaints (request_id) WHERE request_id IS NOT NULL;
-- Beside the visit that is already marked rated, never beside the score: the rating stays anonymous.
ALTER TABLE rated_visits ADD COLUMN request_id text;
