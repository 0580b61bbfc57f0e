-- The ceiling "only decrease" (只减不增): the province office's lowerings of an office's yearly ceiling, each with
-- its reason and what it replaced; the latest of a year is in force. The ceiling itself is derived (first year:
-- the office's baseline; then never above last year's approved count nor last year's ceiling).
CREATE TABLE ceiling_lowerings (
    id                bigserial PRIMARY KEY,
    office_id         text NOT NULL REFERENCES offices (id),
    year              int NOT NULL,
    ceiling           int NOT NULL CHECK (ceiling >= 0),
    previous_ceiling  int NOT NULL,
    reason            text NOT NULL CHECK (length(reason) BETWEEN 1 AND 1000),
    lowered_by        text NOT NULL,
    lowered_at        timestamptz NOT NULL DEFAULT now(),
    CHECK (ceiling < previous_ceiling)
);
CREATE INDEX ceiling_lowerings_office_year ON ceiling_lowerings (office_id, year, id);
