-- A task's close or approved extension heard before its opening. Events of different batches can be applied out
-- of order (reporting's replicas share one consumer, and a failing event is retried after later ones); the
-- opening applies what is kept here and deletes the row, so the task is counted as if heard in order.
CREATE TABLE early_task_steps (
    task_id   text PRIMARY KEY,
    closed_at timestamptz,
    deadline  date
);
