-- Takes back the increments of a check-in whose visit never reached PostgreSQL.
-- Only from counters that still hold them: one rebuilt since (another gen) was counted from PostgreSQL,
-- without the lost visit, and an expired one is gone. Never creates a key.
-- Once per visit: the client retries a call whose reply timed out, and a second decrement would let a
-- later check-in past the cap, so each counter remembers which visits it gave back.
-- KEYS: the counters. ARGV: the gen each had when admit.lua incremented it, then the visit id.
local marker = 'released:' .. ARGV[#KEYS + 1]
local released = 0
for i, key in ipairs(KEYS) do
  local state = redis.call('HMGET', key, 'n', 'gen')
  if state[1] and state[2] == ARGV[i] and tonumber(state[1]) > 0 and redis.call('HSETNX', key, marker, 1) == 1 then
    redis.call('HINCRBY', key, 'n', -1)
    released = released + 1
  end
end
return released
