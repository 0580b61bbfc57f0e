CREATE TABLE findings (
    id                  uuid PRIMARY KEY,
    visit_id            uuid NOT NULL REFERENCES visits (id),
    severity            text NOT NULL CHECK (severity IN ('low', 'medium', 'high')),
    responsible_unit_id text NOT NULL,
    unit_region         text NOT NULL,
    description         text NOT NULL,
    evidence            text[] NOT NULL,
    proposed_deadline   date NOT NULL,
    recorded_at         timestamptz NOT NULL,
    recorded_by         text NOT NULL
);
CREATE INDEX findings_visit ON findings (visit_id);

-- 码上减负: routed to the supervising office above the one complained about.
CREATE TABLE complaints (
    id                  uuid PRIMARY KEY,
    unit_id             text NOT NULL,
    unit_region         text NOT NULL,
    kind                text NOT NULL,
    office_id           text,
    item_id             uuid,
    visit_id            uuid,
    negative_list_entry text,
    place               text NOT NULL,
    description         text NOT NULL,
    evidence            text[] NOT NULL,
    routed_level        text NOT NULL,
    routed_region       text NOT NULL,
    routed_office_id    text,
    filed_at            timestamptz NOT NULL
);
CREATE INDEX complaints_routed ON complaints (routed_region text_pattern_ops);

-- Ratings are anonymous to the inspecting office: nothing links a score to its visit or unit.
-- rated_visits only stops a second rating of the same visit; it holds no score.
CREATE TABLE rated_visits (
    visit_id uuid PRIMARY KEY REFERENCES visits (id)
);
CREATE TABLE ratings (
    office_id text NOT NULL,
    year      int NOT NULL,
    score     int NOT NULL CHECK (score BETWEEN 1 AND 5)
);
CREATE INDEX ratings_office_year ON ratings (office_id, year);
