-- A check-in refused because a cap had no room (CapReached) is recorded beside the units' own refusals, with origin
-- 'check_in' and the caps that were full, so offices can see where caps bite. A unit's own refusals: 'unit'.
ALTER TABLE refusals ADD COLUMN origin text NOT NULL DEFAULT 'unit' CHECK (origin IN ('unit', 'check_in'));
ALTER TABLE refusals ADD COLUMN exhausted jsonb NOT NULL DEFAULT '[]';
CREATE INDEX refusals_unit ON refusals (unit_id, refused_at);
