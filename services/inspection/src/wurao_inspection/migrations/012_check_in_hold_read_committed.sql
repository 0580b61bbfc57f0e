-- check_in_hold (migration 011) reads the unit's visits with a snapshot taken after its locks are granted: true only
-- in READ COMMITTED, where each statement of a VOLATILE function takes its own. Under REPEATABLE READ or
-- SERIALIZABLE (a default_transaction_isolation set on the database or the role, say) the read would use the
-- transaction's first snapshot, older than the wait, and could miss a visit committed meanwhile: a retry would not
-- find its first attempt's visit, and a missing counter could be written short. So it refuses to run there, before
-- it takes any lock. ROWS 1: it returns one row (the planner's default guess is 1,000).
CREATE OR REPLACE FUNCTION check_in_hold(
    request_space int, request_lock text, unit_space int, unit_id text, exclusive_only boolean,
    request_id text, counted_year int, item_id uuid
) RETURNS TABLE (exclusive boolean, earlier_id uuid, counted json) LANGUAGE plpgsql VOLATILE ROWS 1 AS $$
DECLARE
    held_alone boolean := true;
BEGIN
    IF current_setting('transaction_isolation') <> 'read committed' THEN
        RAISE EXCEPTION 'a check-in reads behind its locks only in READ COMMITTED, not in %',
            current_setting('transaction_isolation');
    END IF;
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
