-- Items (督查事项): what may be inspected, where, when, by whom, how often. In a plan, or filed one-off.
CREATE TABLE items (
    id                uuid PRIMARY KEY,
    office_id         text NOT NULL REFERENCES offices (id),
    plan_id           uuid REFERENCES plans (id),
    year              int NOT NULL,
    kind              text NOT NULL CHECK (kind IN ('supervision', 'inspection', 'assessment', 'research')),
    title             text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    basis             text NOT NULL CHECK (length(basis) BETWEEN 1 AND 2000),
    content           text NOT NULL DEFAULT '',
    scope_regions     text[] NOT NULL CHECK (cardinality(scope_regions) > 0),
    scope_unit_kinds  text[] NOT NULL DEFAULT '{}',
    window_start      date NOT NULL,
    window_end        date NOT NULL CHECK (window_end >= window_start),
    inspectors        jsonb NOT NULL DEFAULT '[]',
    per_unit_cap      int NOT NULL DEFAULT 1 CHECK (per_unit_cap >= 1),
    exemption         text CHECK (exemption IN ('complaint', 'rectification_followup', 'emergency')),
    exemption_reason  text,
    emergency         boolean NOT NULL DEFAULT false,
    status            text NOT NULL CHECK (status IN ('draft', 'approved', 'coded', 'active', 'completed',
                                                      'revoked', 'cancelled')),
    code_number       text UNIQUE,
    created_by        text NOT NULL,
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    CHECK ((exemption IS NULL) = (exemption_reason IS NULL))
);
CREATE INDEX items_plan ON items (plan_id);
CREATE INDEX items_office_year ON items (office_id, year);
