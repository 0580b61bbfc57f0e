-- The request id a refusal or complaint was filed under (scoped to the unit), so a retried request returns the
-- first record instead of filing a second one.
ALTER TABLE refusals ADD COLUMN request_id text;
CREATE UNIQUE INDEX refusals_request ON refusals (request_id) WHERE request_id IS NOT NULL;
ALTER TABLE complaints ADD COLUMN request_id text;
CREATE UNIQUE INDEX complaints_request ON complaints (request_id) WHERE request_id IS NOT NULL;
