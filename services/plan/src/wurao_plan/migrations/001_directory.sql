-- The directory: regions (GB/T 2260, extended to townships and villages), inspected units, offices.
CREATE TABLE regions (
    code        text PRIMARY KEY CHECK (code ~ '^[0-9]{2}([0-9]{2}([0-9]{2}([0-9]{3}([0-9]{3})?)?)?)?$'),
    name        text NOT NULL,
    level       text NOT NULL CHECK (level IN ('province', 'city', 'county', 'township', 'village')),
    parent_code text REFERENCES regions (code)
);
CREATE INDEX regions_parent ON regions (parent_code);

CREATE TABLE units (
    id          text PRIMARY KEY,
    name        text NOT NULL,
    kind        text NOT NULL,
    region_code text NOT NULL REFERENCES regions (code),
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX units_region ON units (region_code text_pattern_ops);

CREATE TABLE offices (
    id                 text PRIMARY KEY,
    name               text NOT NULL,
    level              text NOT NULL CHECK (level IN ('province', 'city', 'county')),
    kind               text NOT NULL CHECK (kind IN ('supervision', 'department')),
    region_code        text NOT NULL REFERENCES regions (code),
    approver_office_id text REFERENCES offices (id),
    yearly_baseline    int NOT NULL DEFAULT 0 CHECK (yearly_baseline >= 0),
    created_at         timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX offices_region ON offices (region_code text_pattern_ops);
