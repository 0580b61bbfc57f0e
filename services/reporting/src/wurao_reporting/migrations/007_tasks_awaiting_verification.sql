-- Overdue follows rectification's rule: past the deadline and still owed by the unit (open, or sent back). A task
-- the unit submitted awaits verification and is not overdue, whatever its deadline.
-- A task's submissions less its send-backs, as heard: above 0 it awaits verification. A count, not the last step
-- heard, so its steps heard in any order (each once) leave it as rectification's order did.
ALTER TABLE tasks ADD COLUMN pending_submissions integer NOT NULL DEFAULT 0;
ALTER TABLE early_task_steps ADD COLUMN pending_submissions integer NOT NULL DEFAULT 0;
-- Of a row's open tasks, those awaiting verification: overdue are the others, when the deadline is before today.
ALTER TABLE open_tasks ADD COLUMN awaiting_verification integer NOT NULL DEFAULT 0;

-- Reporting heard every submission and send-back before, as steps of its item's story (`facts`, one row per event)
-- without counting them: what they tell is learnt from there, so an upgrade needs no rebuild.
CREATE TEMP TABLE heard ON COMMIT DROP AS
SELECT detail->>'taskId' AS task_id,
       sum(CASE type WHEN 'rectification.task.submitted' THEN 1 ELSE -1 END)::integer AS pending
FROM facts WHERE type IN ('rectification.task.submitted', 'rectification.task.sent_back')
GROUP BY 1;

UPDATE tasks SET pending_submissions = heard.pending FROM heard WHERE tasks.task_id = heard.task_id;

INSERT INTO early_task_steps (task_id, pending_submissions)
SELECT task_id, pending FROM heard
WHERE pending <> 0 AND NOT EXISTS (SELECT FROM tasks WHERE tasks.task_id = heard.task_id)
ON CONFLICT (task_id) DO UPDATE SET pending_submissions = excluded.pending_submissions;

UPDATE open_tasks SET awaiting_verification = awaiting.tasks
FROM (
    SELECT scope.kind, scope.id, t.year, t.month, t.deadline, count(*) AS tasks
    FROM tasks t
    CROSS JOIN LATERAL (
        SELECT 'region', left(t.region, depth) FROM unnest(ARRAY[2, 4, 6, 9, 12]) AS depth
        WHERE depth <= length(t.region)
        UNION ALL SELECT 'office', t.office_id
        UNION ALL SELECT 'unit', t.unit_id
    ) AS scope (kind, id)
    WHERE t.closed_at IS NULL AND t.pending_submissions > 0
    GROUP BY 1, 2, 3, 4, 5
) AS awaiting
WHERE (open_tasks.scope_kind, open_tasks.scope_id, open_tasks.year, open_tasks.month, open_tasks.deadline)
    = (awaiting.kind, awaiting.id, awaiting.year, awaiting.month, awaiting.deadline);
