-- Each rectification task plan has heard of, by id: opened and closed events may arrive in any order (and more
-- than once), so whether an item has an open task is derived from these rows, never from the last event seen.
CREATE TABLE item_rectification_tasks (
    task_id  uuid PRIMARY KEY,
    item_id  uuid NOT NULL,
    closed   boolean NOT NULL
);
CREATE INDEX item_rectification_tasks_open ON item_rectification_tasks (item_id) WHERE NOT closed;
