-- Inspection codes (一事一码): the keys that sign them, the counters that number them, the codes themselves.

-- Every public key ever used stays here, so codes signed before a rotation verify until they expire.
CREATE TABLE signing_keys (
    key_id       int PRIMARY KEY CHECK (key_id BETWEEN 0 AND 65535),
    public_key   text NOT NULL,
    published_at timestamptz NOT NULL DEFAULT now()
);

-- One row per number prefix (office kind + region + year); its row lock makes the sequence gap-free.
CREATE TABLE code_counters (
    prefix        text PRIMARY KEY,
    last_sequence int NOT NULL CHECK (last_sequence BETWEEN 1 AND 99999)
);

CREATE TABLE item_codes (
    item_id       uuid PRIMARY KEY REFERENCES items (id),
    number        text NOT NULL UNIQUE,
    token         text NOT NULL UNIQUE,
    key_id        int NOT NULL REFERENCES signing_keys (key_id),
    not_before    timestamptz NOT NULL,
    expires       timestamptz NOT NULL CHECK (expires > not_before),
    coded_at      timestamptz NOT NULL DEFAULT now(),
    coded_by      text NOT NULL,
    revoked_at    timestamptz,
    revoked_by    text,
    revoke_reason text,
    CHECK ((revoked_at IS NULL) = (revoke_reason IS NULL) AND (revoked_at IS NULL) = (revoked_by IS NULL))
);
