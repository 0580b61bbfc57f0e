-- A request id is its caller's own, for one operation (wurao_common.request_ids.callers_own), no longer its whole
-- office's: the keys stored before are rescoped to the person who filed, decided or lowered, so a retry after the
-- upgrade still finds its first result. A key stored before holds U+001F; a rescoped one does not.
UPDATE request_results r SET request_id = rescoped_request_key(r.request_id, f.created_by, r.kind)
    FROM filings f
    WHERE r.kind = 'filing.submitted' AND f.id::text = r.target_id AND strpos(r.request_id, chr(31)) > 0;
UPDATE request_results r SET request_id = rescoped_request_key(r.request_id, f.decided_by, r.kind)
    FROM filings f
    WHERE r.kind IN ('filing.approved', 'filing.rejected') AND f.id::text = r.target_id
      AND strpos(r.request_id, chr(31)) > 0;
UPDATE request_results r SET request_id = rescoped_request_key(r.request_id, c.lowered_by, r.kind)
    FROM ceiling_lowerings c
    WHERE r.kind = 'ceiling.lowered' AND c.id::text = r.target_id AND strpos(r.request_id, chr(31)) > 0;
