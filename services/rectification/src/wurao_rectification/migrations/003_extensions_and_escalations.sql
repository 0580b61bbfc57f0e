-- A deadline extended once (on the responsible unit's request with a reason, decided by the issuing office): the
-- request, the decision and the deadline it replaced stay on the task.
ALTER TABLE tasks
    ADD COLUMN extension_status         text CHECK (extension_status IN ('requested', 'approved', 'declined')),
    ADD COLUMN extension_until          date,
    ADD COLUMN extension_reason         text,
    ADD COLUMN extension_decided_by     text,
    ADD COLUMN extension_decision_note  text,
    ADD COLUMN original_deadline        date,
    ADD CHECK ((extension_status IS NULL) = (extension_until IS NULL)),
    ADD CHECK ((extension_status = 'approved') = (original_deadline IS NOT NULL));

-- Offices as plan announces them (plan.office.registered): an escalation names the supervision office it goes to.
CREATE TABLE offices (
    office_id  text PRIMARY KEY,
    kind       text NOT NULL,
    region     text NOT NULL
);
CREATE INDEX offices_supervision ON offices (region) WHERE kind = 'supervision';

-- The office each escalation went to (null for reminders, or when no supervision office of the region is known).
ALTER TABLE task_notices ADD COLUMN target_office_id text;
CREATE INDEX task_notices_office ON task_notices (target_office_id, task_id) WHERE target_office_id IS NOT NULL;
