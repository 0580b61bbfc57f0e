-- Row changes for the replicas' in-memory mirrors (wurao_common.mirror): a table that a mirror holds runs this
-- trigger, FOR EACH ROW with its key column's name as argument, and FOR EACH STATEMENT on TRUNCATE (no argument
-- needed). Each change notifies `wurao_row_changed` with '<table>:<key>' (an update that moves a key: both keys),
-- a TRUNCATE with '<table>' alone; PostgreSQL delivers them when the transaction commits.
CREATE FUNCTION wurao_row_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_LEVEL = 'STATEMENT' THEN
        PERFORM pg_notify('wurao_row_changed', TG_TABLE_NAME);
        RETURN NULL;
    END IF;
    IF TG_OP <> 'INSERT' THEN
        PERFORM pg_notify('wurao_row_changed', TG_TABLE_NAME || ':' || (to_jsonb(OLD) ->> TG_ARGV[0]));
    END IF;
    IF TG_OP <> 'DELETE' THEN
        PERFORM pg_notify('wurao_row_changed', TG_TABLE_NAME || ':' || (to_jsonb(NEW) ->> TG_ARGV[0]));
    END IF;
    RETURN NULL;
END
$$;
