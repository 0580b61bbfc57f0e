-- Visits are the source of truth for every cap counter: Redis is rebuilt from the counted rows.
CREATE TABLE visits (
    id               uuid PRIMARY KEY,
    item_id          uuid NOT NULL REFERENCES items (id),
    code_number      text NOT NULL,
    office_id        text NOT NULL,
    office_level     text NOT NULL,
    office_region    text NOT NULL,
    unit_id          text NOT NULL,
    unit_region      text NOT NULL,
    inspected_at     timestamptz NOT NULL,
    registered_at    timestamptz NOT NULL,
    period_year      int NOT NULL,
    counted          boolean NOT NULL,
    registration     text NOT NULL CHECK (registration IN ('on_site', 'emergency')),
    late             boolean NOT NULL DEFAULT false,
    emergency_reason text,
    request_id       text,
    registered_by    text NOT NULL,
    status           text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'completed')),
    summary          text,
    completed_at     timestamptz,
    completed_by     text,
    UNIQUE (unit_id, request_id)
);
CREATE INDEX visits_counted_by_year ON visits (unit_id, period_year) WHERE counted;
CREATE INDEX visits_counted_by_item ON visits (unit_id, item_id) WHERE counted;
CREATE INDEX visits_unit_region ON visits (unit_region text_pattern_ops);
CREATE INDEX visits_item ON visits (item_id);

CREATE TABLE refusals (
    id          uuid PRIMARY KEY,
    unit_id     text NOT NULL,
    unit_region text NOT NULL,
    reason      text NOT NULL CHECK (reason IN ('no_code', 'code_invalid', 'cap_reached', 'out_of_scope',
                                                'negative_list_breach')),
    item_id     uuid,
    office_id   text,
    verdict     text,          -- what the code's verification said at the moment of refusal, if a code was shown
    negative_list_entry text,
    note        text NOT NULL DEFAULT '',
    refused_at  timestamptz NOT NULL,
    refused_by  text NOT NULL
);
CREATE INDEX refusals_unit_region ON refusals (unit_region text_pattern_ops);
