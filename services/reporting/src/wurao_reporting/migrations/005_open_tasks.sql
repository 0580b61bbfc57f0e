-- Rectification tasks not closed yet, counted per scope (every region the unit lies in, the office, the unit),
-- month of opening and deadline: a scope's open and overdue tasks are a sum over a few rows (overdue: those whose
-- deadline is before today) instead of a count over every open task inside it (a province's thousands).
-- Opening a task adds 1 to its rows, closing it takes 1 away; rows left at 0 stay (a scope has at most one per
-- month and deadline).
CREATE TABLE open_tasks (
    scope_kind text NOT NULL CHECK (scope_kind IN ('region', 'office', 'unit')),
    scope_id   text NOT NULL,
    year       smallint NOT NULL,
    month      smallint NOT NULL CHECK (month BETWEEN 1 AND 12),
    deadline   date NOT NULL,
    tasks      integer NOT NULL,
    PRIMARY KEY (scope_kind, scope_id, year, month, deadline)
);

INSERT INTO open_tasks (scope_kind, scope_id, year, month, deadline, tasks)
SELECT scope.kind, scope.id, t.year, t.month, t.deadline, count(*)
FROM tasks t
CROSS JOIN LATERAL (
    SELECT 'region', left(t.region, depth) FROM unnest(ARRAY[2, 4, 6, 9, 12]) AS depth WHERE depth <= length(t.region)
    UNION ALL SELECT 'office', t.office_id
    UNION ALL SELECT 'unit', t.unit_id
) AS scope (kind, id)
WHERE t.closed_at IS NULL
GROUP BY 1, 2, 3, 4, 5;

-- Nothing counts open tasks per office or unit from `tasks` any more (the export counts by region).
DROP INDEX tasks_open_office, tasks_open_unit;
