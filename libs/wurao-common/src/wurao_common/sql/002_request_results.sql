-- What a named request produced the first time (issue 12): a client names each state-changing request it may
-- retry, scoped to whom it acts for, and a retry finds the id of the first result here instead of doing the work
-- twice. Written in the same transaction as the work.
CREATE TABLE request_results (
    request_id  text PRIMARY KEY,
    kind        text NOT NULL,
    target_id   text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);
