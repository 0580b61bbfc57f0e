-- Filings (一事一报): one item outside the plan each, with its reason, decided by the approving office.
CREATE TABLE filings (
    id              uuid PRIMARY KEY,
    office_id       text NOT NULL REFERENCES offices (id),
    item_id         uuid NOT NULL UNIQUE REFERENCES items (id),
    year            int NOT NULL,
    reason          text NOT NULL CHECK (length(reason) BETWEEN 1 AND 1000),
    status          text NOT NULL CHECK (status IN ('submitted', 'approved', 'rejected')),
    created_by      text NOT NULL,
    decided_by      text,
    decision_reason text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    decided_at      timestamptz
);
CREATE INDEX filings_office_year ON filings (office_id, year);
