-- A request id is its caller's own, for one operation (wurao_common.request_ids.callers_own), no longer its whole
-- unit's or office's: the keys stored before are rescoped to the person the row names as having made the request, so
-- a retry after the upgrade still finds its first result. A key stored before holds U+001F; a rescoped one does not.
-- Complaints, ratings and the handling of complaints name no person: their keys stay as they were and match no new
-- request (a retry of one across the upgrade is a new request).
UPDATE visits SET request_id = rescoped_request_key(
        request_id, registered_by, CASE registration WHEN 'emergency' THEN 'emergency_visit' ELSE 'check_in' END)
    WHERE strpos(request_id, chr(31)) > 0;
UPDATE joint_visits SET request_id = rescoped_request_key(request_id, registered_by, 'check_in_joint')
    WHERE strpos(request_id, chr(31)) > 0;
UPDATE findings SET request_id = rescoped_request_key(request_id, recorded_by, 'finding')
    WHERE strpos(request_id, chr(31)) > 0;
UPDATE refusals SET request_id = rescoped_request_key(request_id, refused_by, 'refusal')
    WHERE origin = 'unit' AND strpos(request_id, chr(31)) > 0;
-- A capped check-in's refusal was keyed 'check_in', U+001F, then its check-in's key; now by that key itself. An
-- emergency registration's acted for an office; a joint check-in's cannot be told from a single one's: taken for one.
UPDATE refusals SET request_id = rescoped_request_key(
        substr(request_id, length('check_in') + 2),
        refused_by,
        CASE WHEN starts_with(request_id, 'check_in' || chr(31) || 'office:') THEN 'emergency_visit' ELSE 'check_in' END)
    WHERE origin = 'check_in' AND starts_with(request_id, 'check_in' || chr(31));
