-- Read model of each office's inspection load, built from plan events.
CREATE TABLE office_load (
    office_id     text PRIMARY KEY,
    region_code   text NOT NULL,
    plans_drafted int NOT NULL DEFAULT 0,
    updated_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX office_load_region ON office_load (region_code text_pattern_ops);
