-- Frequency caps as reporting learns them from events, to tell which units are at or near a yearly cap.

-- Every cap policy version plan published (a version, once known, keeps its limits): the visits a unit may have
-- a year by offices of each level and across levels, {"county": 2, ..., "across_levels": 4}.
CREATE TABLE cap_policies (
    version        int PRIMARY KEY,
    effective_from date NOT NULL,
    yearly         jsonb NOT NULL
);

-- Every counted visit (exempt ones never count), as inspection counts them against a unit's yearly caps: once per
-- occasion (the joint visit it was part of, else the visit itself) on the counter of its office's level and on
-- the counter across levels.
CREATE TABLE cap_visits (
    visit_id  text PRIMARY KEY,
    unit_id   text NOT NULL,
    region    text NOT NULL,
    year      smallint NOT NULL,
    month     smallint NOT NULL CHECK (month BETWEEN 1 AND 12),
    level     text NOT NULL,
    office_id text NOT NULL,
    occasion  text NOT NULL
);
CREATE INDEX cap_visits_unit_year ON cap_visits (unit_id, year);
CREATE INDEX cap_visits_year ON cap_visits (year);
