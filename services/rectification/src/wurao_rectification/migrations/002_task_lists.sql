-- Tasks by deadline: a list over a large region (a city, the province) walks this index and stops at its page,
-- instead of reading and sorting every task of the region; keyset pages continue from (deadline, id).
CREATE INDEX tasks_by_deadline ON tasks (deadline, id);
