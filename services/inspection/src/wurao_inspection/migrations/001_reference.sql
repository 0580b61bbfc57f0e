-- What inspection keeps from plan's events, so no scan ever waits on another service.
CREATE TABLE signing_keys (
    key_id       int PRIMARY KEY,
    public_key   text NOT NULL,
    published_at timestamptz NOT NULL
);

CREATE TABLE offices (
    id     text PRIMARY KEY,
    name   text NOT NULL,
    level  text NOT NULL CHECK (level IN ('province', 'city', 'county')),
    kind   text NOT NULL,
    region text NOT NULL
);
CREATE INDEX offices_level_region ON offices (level, region);

CREATE TABLE items (
    id               uuid PRIMARY KEY,
    code_number      text NOT NULL,
    key_id           int NOT NULL,
    office_id        text NOT NULL REFERENCES offices (id),
    kind             text NOT NULL,
    title            text NOT NULL,
    basis            text NOT NULL,
    content          text NOT NULL,
    scope_regions    text[] NOT NULL,
    scope_unit_kinds text[] NOT NULL,
    window_start     date NOT NULL,
    window_end       date NOT NULL,
    not_before       timestamptz NOT NULL,
    expires          timestamptz NOT NULL,
    inspectors       jsonb NOT NULL,
    per_unit_cap     int NOT NULL,
    exemption        text,
    exemption_reason text,
    emergency        boolean NOT NULL,
    year             int NOT NULL
);

-- Apart from items: a revocation may arrive before the coding it revokes (redelivery reorders events).
CREATE TABLE revocations (
    item_id    uuid PRIMARY KEY,
    reason     text NOT NULL,
    received_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE units (
    id     text PRIMARY KEY,
    name   text NOT NULL,
    kind   text NOT NULL,
    region text NOT NULL
);

CREATE TABLE cap_policies (
    version                    int PRIMARY KEY,
    effective_from             date NOT NULL,
    per_level_per_year         jsonb NOT NULL,
    across_levels_per_year     int NOT NULL,
    default_per_item_per_unit  int NOT NULL
);

CREATE TABLE negative_lists (
    version      int PRIMARY KEY,
    published_at timestamptz NOT NULL,
    entries      jsonb NOT NULL
);
