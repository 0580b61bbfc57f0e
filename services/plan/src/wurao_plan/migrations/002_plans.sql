-- Annual plans (年度清单): one per office and year, drafted, submitted, approved or returned.
CREATE TABLE plans (
    id            uuid PRIMARY KEY,
    office_id     text NOT NULL REFERENCES offices (id),
    year          int NOT NULL CHECK (year BETWEEN 2000 AND 2100),
    status        text NOT NULL CHECK (status IN ('draft', 'submitted', 'approved', 'returned')),
    created_by    text NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    UNIQUE (office_id, year)
);
