-- The request id a finding was recorded under (scoped to the recording office), so a retried request returns
-- the first finding instead of recording a second one and opening a second rectification task.
ALTER TABLE findings ADD COLUMN request_id text;
CREATE UNIQUE INDEX findings_request ON findings (request_id) WHERE request_id IS NOT NULL;
