-- Figures per scope (a region prefix, an office, a unit), China-time year and month, and metric.
-- Every event adds to each scope it concerns; quarters and years are sums of months.
CREATE TABLE figures (
    scope_kind text NOT NULL CHECK (scope_kind IN ('region', 'office', 'unit')),
    scope_id   text NOT NULL,
    year       smallint NOT NULL,
    month      smallint NOT NULL CHECK (month BETWEEN 1 AND 12),
    metric     text NOT NULL,
    value      bigint NOT NULL,
    PRIMARY KEY (scope_kind, scope_id, year, metric, month)
);

-- Every event reporting applied: an item's timeline reads these, in order.
CREATE TABLE facts (
    event_id  uuid PRIMARY KEY,
    seq       bigint GENERATED ALWAYS AS IDENTITY,
    type      text NOT NULL,
    at        timestamptz NOT NULL,
    item_id   text,
    region    text NOT NULL,
    office_id text,
    unit_id   text,
    detail    jsonb NOT NULL
);
CREATE INDEX facts_item ON facts (item_id, at, seq) WHERE item_id IS NOT NULL;

-- What figures and access checks need to know about items, offices and units, learnt from events.
CREATE TABLE items (
    item_id   text PRIMARY KEY,
    office_id text NOT NULL,
    region    text NOT NULL,
    year      smallint NOT NULL
);

CREATE TABLE offices (
    office_id text PRIMARY KEY,
    region    text NOT NULL
);

CREATE TABLE units (
    unit_id text PRIMARY KEY,
    region  text NOT NULL
);

-- Rectification tasks as far as figures need them: open and overdue are states, not sums of events.
CREATE TABLE tasks (
    task_id   text PRIMARY KEY,
    item_id   text NOT NULL,
    office_id text NOT NULL,
    unit_id   text NOT NULL,
    region    text NOT NULL,
    year      smallint NOT NULL,
    month     smallint NOT NULL,
    opened_at timestamptz NOT NULL,
    deadline  date NOT NULL,
    closed_at timestamptz
);
CREATE INDEX tasks_open_region ON tasks (region text_pattern_ops, year) WHERE closed_at IS NULL;
CREATE INDEX tasks_open_office ON tasks (office_id, year) WHERE closed_at IS NULL;
CREATE INDEX tasks_open_unit ON tasks (unit_id, year) WHERE closed_at IS NULL;
