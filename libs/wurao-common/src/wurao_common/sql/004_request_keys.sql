-- A request's key, as wurao_common.request_ids.request_key computes it: the SHA-256, in hex, of who asked (the unit
-- or office it acted for, and its subject), the operation and the client's request id, each prefixed by its length.
-- For the services' migrations that rescope the keys stored when a request id belonged to a whole unit or office.
CREATE FUNCTION request_key(party text, subject text, operation text, request_id text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT encode(sha256(convert_to(
        length(party) || ':' || party || length(subject) || ':' || subject
        || length(operation) || ':' || operation || length(request_id) || ':' || request_id, 'UTF8')), 'hex')
$$;

-- A key stored before ('unit:<id>' or 'office:<id>', U+001F, the client's request id), rescoped to the person who
-- made the request and its operation.
CREATE FUNCTION rescoped_request_key(stored text, subject text, operation text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT request_key(split_part(stored, chr(31), 1), subject, operation, substr(stored, strpos(stored, chr(31)) + 1))
$$;
