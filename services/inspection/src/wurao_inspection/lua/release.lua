-- Takes back the increments of a check-in whose visit never reached PostgreSQL, from the counters that
-- still hold them (they carry the visit's mark): one rebuilt since was counted from PostgreSQL without the
-- lost visit, and an expired one is gone. Never creates a key.
-- Once per visit: the mark turns to 0, so a call the client retries decrements nothing again.
-- KEYS: the counters. ARGV: the visit id.
local mark = 'v:' .. ARGV[1]
local released = 0
for _, key in ipairs(KEYS) do
  if redis.call('HGET', key, mark) == '1' then
    redis.call('HSET', key, mark, 0)
    redis.call('HINCRBY', key, 'n', -1)
    released = released + 1
  end
end
return released
