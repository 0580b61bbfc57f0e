-- Rectification tasks (整改任务), one per finding, with their deadline and the sweeper's cursor.
CREATE TABLE tasks (
    id                   uuid PRIMARY KEY,
    finding_id           text NOT NULL UNIQUE,
    visit_id             text NOT NULL,
    item_id              text NOT NULL,
    office_id            text NOT NULL,
    office_region        text NOT NULL CHECK (office_region ~ '^[0-9]{2}([0-9]{2}([0-9]{2}([0-9]{3}([0-9]{3})?)?)?)?$'),
    responsible_unit_id  text NOT NULL,
    unit_region          text NOT NULL CHECK (unit_region ~ '^[0-9]{2}([0-9]{2}([0-9]{2}([0-9]{3}([0-9]{3})?)?)?)?$'),
    severity             text NOT NULL CHECK (severity IN ('low', 'medium', 'high')),
    description          text NOT NULL,
    finding_evidence     text[] NOT NULL DEFAULT '{}',
    deadline             date NOT NULL,
    status               text NOT NULL CHECK (status IN ('open', 'in_progress', 'submitted', 'closed')),
    opened_at            timestamptz NOT NULL,
    started_at           timestamptz,
    submitted_at         timestamptz,
    closed_at            timestamptz,
    submission_note      text,
    submission_evidence  text[] NOT NULL DEFAULT '{}',
    sent_back_reason     text,
    times_sent_back      int NOT NULL DEFAULT 0,
    verified_by          text,
    verification_note    text,
    notified_level       smallint NOT NULL DEFAULT -1 CHECK (notified_level BETWEEN -1 AND 2),
    next_notice_at       timestamptz,
    updated_at           timestamptz NOT NULL DEFAULT now(),
    -- Nothing closes without verification.
    CHECK (status <> 'closed' OR (verified_by IS NOT NULL AND closed_at IS NOT NULL))
);
CREATE INDEX tasks_unit ON tasks (responsible_unit_id, deadline, id);
CREATE INDEX tasks_item ON tasks (item_id);
CREATE INDEX tasks_region ON tasks (unit_region text_pattern_ops);
CREATE INDEX tasks_awaiting_unit ON tasks (deadline, id) WHERE status IN ('open', 'in_progress');
CREATE INDEX tasks_next_notice ON tasks (next_notice_at) WHERE next_notice_at IS NOT NULL;

-- Reminders and escalations sent: the key makes each level happen once per task, whatever the replicas do.
CREATE TABLE task_notices (
    task_id       uuid NOT NULL REFERENCES tasks (id),
    level         smallint NOT NULL CHECK (level BETWEEN 0 AND 2),
    target_region text NOT NULL,
    due_at        timestamptz NOT NULL,
    sent_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (task_id, level)
);

-- The task's timeline: who did what, when, with which note (whole-process tracking).
CREATE TABLE task_history (
    id        bigserial PRIMARY KEY,
    task_id   uuid NOT NULL REFERENCES tasks (id),
    action    text NOT NULL,
    actor     text NOT NULL,
    note      text,
    evidence  text[] NOT NULL DEFAULT '{}',
    at        timestamptz NOT NULL
);
CREATE INDEX task_history_task ON task_history (task_id, id);

-- Open tasks per item: the row lock serialises concurrent closings, so exactly one sees the count reach 0.
CREATE TABLE item_progress (
    item_id        text PRIMARY KEY,
    office_id      text NOT NULL,
    office_region  text NOT NULL,
    open_tasks     int NOT NULL CHECK (open_tasks >= 0),
    updated_at     timestamptz NOT NULL DEFAULT now()
);
