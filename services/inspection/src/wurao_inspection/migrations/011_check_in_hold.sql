-- A check-in takes its locks and reads the unit's visits behind them in the statement that reads its scene: one
-- round trip fewer (wurao_inspection.adapters.visits.Hold, adapters.reference.facts).

-- What a check-in reads of the unit's visits: the visit its request id already admitted (`= NULL` matches none),
-- and with a year, the unit's counted visits of that year or of the item, as visits.counted_groups reads them.
-- STABLE SQL with one SELECT: inlined into the statement that calls it, whose snapshot it reads with.
CREATE FUNCTION check_in_visits(unit_id text, request_id text, counted_year int, item_id uuid)
RETURNS TABLE (earlier_id uuid, counted json) LANGUAGE sql STABLE AS $$
    SELECT (SELECT v.id FROM visits v WHERE v.unit_id = $1 AND v.request_id = $2),
           CASE WHEN $3 IS NOT NULL THEN (
               SELECT coalesce(json_agg(json_build_array(
                          v.period_year, v.office_level, v.item_id::text, coalesce(v.joint_visit_id, v.id)::text)),
                      '[]')
               FROM visits v WHERE v.unit_id = $1 AND v.counted AND (v.period_year = $3 OR v.item_id = $4)
           ) END
$$;

-- The check-in's session-level locks, then its read of the unit's visits. VOLATILE plpgsql, so that the read takes
-- its snapshot once the locks are granted and sees every visit that the check-ins holding them before committed.
-- A single plain statement would read with the snapshot taken when it started, before it waited for the locks.
-- The request's lock first (retries of one request run one after the other), then the unit's: exclusively when
-- `exclusive_only`, waiting for it; else exclusively if no other check-in of the unit holds it, else shared. The
-- counted visits are read only when the unit's lock is held exclusively: only then is the count exact.
CREATE FUNCTION check_in_hold(
    request_space int, request_lock text, unit_space int, unit_id text, exclusive_only boolean,
    request_id text, counted_year int, item_id uuid
) RETURNS TABLE (exclusive boolean, earlier_id uuid, counted json) LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    held_alone boolean := true;
BEGIN
    IF $2 IS NOT NULL THEN
        PERFORM pg_advisory_lock($1, hashtext($2));
    END IF;
    IF $5 THEN
        PERFORM pg_advisory_lock($3, hashtext($4));
    ELSIF NOT pg_try_advisory_lock($3, hashtext($4)) THEN
        PERFORM pg_advisory_lock_shared($3, hashtext($4));
        held_alone := false;
    END IF;
    RETURN QUERY SELECT held_alone, seen.earlier_id, seen.counted
        FROM check_in_visits($4, $6, CASE WHEN held_alone THEN $7 END, $8) AS seen;
END
$$;
