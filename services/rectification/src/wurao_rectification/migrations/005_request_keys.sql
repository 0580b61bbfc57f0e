-- A request id is its caller's own, for one operation (wurao_common.request_ids.callers_own), no longer its whole
-- unit's or office's: the keys stored before are rescoped to the person who took the step, so a retry after the
-- upgrade still finds its first result. The step is the task's history entry of its action written with it (the
-- nearest in time, should the task have taken the step more than once). A key stored before holds U+001F; a rescoped
-- one does not.
UPDATE request_results r SET request_id = coalesce(rescoped_request_key(r.request_id, (
        SELECT h.actor FROM task_history h
        WHERE h.task_id = r.target_id::uuid AND 'task.' || h.action = r.kind
        ORDER BY abs(extract(epoch FROM h.at - r.created_at)) LIMIT 1
    ), r.kind), r.request_id)
    WHERE strpos(r.request_id, chr(31)) > 0;
