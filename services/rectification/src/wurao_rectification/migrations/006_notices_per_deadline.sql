-- Reminders and escalations follow the deadline in force (domain/schedule.py): an approved extension gives the new
-- deadline its own reminder and escalations, so the key makes each level happen once per task and deadline.
ALTER TABLE task_notices ADD COLUMN deadline date;
-- The deadline each notice sent so far was for: its moment less its level's offset (-3, +3, +7 days) is the midnight,
-- China time (UTC+8), that ends the deadline's day. The offset is taken from the moment in UTC, as a timestamp
-- without time zone: a day added to a timestamptz is a day of the session's time zone, 23 or 25 hours across its
-- summer time change (Europe/Berlin's on 2026-03-29 put the reminder of 2026-03-31 on 2026-03-30).
UPDATE task_notices SET deadline = (
    due_at AT TIME ZONE 'UTC'
    - CASE level WHEN 0 THEN interval '-3 days' WHEN 1 THEN interval '3 days' ELSE interval '7 days' END
    + interval '8 hours')::date - 1;
ALTER TABLE task_notices
    ALTER COLUMN deadline SET NOT NULL,
    DROP CONSTRAINT task_notices_pkey,
    ADD PRIMARY KEY (task_id, deadline, level);

-- Tasks extended before this release kept counting the old deadline's notices, so the new deadline's reminder (and
-- any of its escalations the old deadline had reached) would never come. Their level becomes the highest sent for
-- the deadline in force (a lapsed reminder left no row: the sweep lapses it again), and a task the unit still owes is
-- due for the sweeper at its deadline's reminder moment (the earliest any of its notices comes: midnight, China
-- time, 3 days before the deadline ends), when the sweep sends what has come due and sets when it is next due.
UPDATE tasks t SET notified_level = sent.level,
                   next_notice_at = CASE WHEN t.status IN ('open', 'in_progress')
                                         THEN ((t.deadline - 2)::timestamp - interval '8 hours') AT TIME ZONE 'UTC' END
    FROM (SELECT x.id, coalesce(max(n.level), -1) AS level
          FROM tasks x LEFT JOIN task_notices n ON n.task_id = x.id AND n.deadline = x.deadline
          WHERE x.extension_status = 'approved' GROUP BY x.id) AS sent
    WHERE t.id = sent.id AND t.notified_level <> sent.level;
