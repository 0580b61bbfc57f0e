-- The approval workflow: who submitted, who decided, why a plan was returned, and every step kept.
ALTER TABLE plans
    ADD COLUMN submitted_by  text,
    ADD COLUMN submitted_at  timestamptz,
    ADD COLUMN decided_by    text,
    ADD COLUMN decided_at    timestamptz,
    ADD COLUMN return_reason text;

CREATE TABLE plan_steps (
    plan_id    uuid NOT NULL REFERENCES plans (id),
    seq        int NOT NULL,
    action     text NOT NULL CHECK (action IN ('submitted', 'approved', 'returned')),
    actor      text NOT NULL,
    office_id  text NOT NULL REFERENCES offices (id),
    item_count int NOT NULL,
    reason     text,
    at         timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (plan_id, seq)
);
