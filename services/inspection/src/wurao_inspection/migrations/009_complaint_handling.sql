-- Complaints are handled (码上减负), by the office they were routed to: received -> investigating -> substantiated or
-- unfounded (with findings) -> closed with a reply the complainant reads. `outcome` stays once closed.
-- `negative_list_version`: the negative list in force when the complaint was filed (its entry is cited from it).
ALTER TABLE complaints ADD COLUMN status text NOT NULL DEFAULT 'received'
    CHECK (status IN ('received', 'investigating', 'substantiated', 'unfounded', 'closed'));
ALTER TABLE complaints ADD COLUMN outcome text CHECK (outcome IN ('substantiated', 'unfounded'));
ALTER TABLE complaints ADD COLUMN findings text;
ALTER TABLE complaints ADD COLUMN reply text;
ALTER TABLE complaints ADD COLUMN negative_list_version int;
ALTER TABLE complaints ADD COLUMN updated_at timestamptz;
ALTER TABLE complaints ADD COLUMN closed_at timestamptz;
CREATE INDEX complaints_routed_office ON complaints (routed_office_id, filed_at);
