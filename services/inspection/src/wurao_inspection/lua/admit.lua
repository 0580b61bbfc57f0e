-- Admits one check-in: checks every counter that applies and increments all of them, or none.
-- A counter is a hash {n = visits counted, run = the run id of the Redis server it was built on,
-- v:<visit id> = 1 while that visit holds its increment, 0 once it was given back}. Only a call given the
-- counts PostgreSQL holds creates one (with its expiry), so a missing one is never assumed to be zero. One built
-- on another server counts as missing too: after a failover the promoted replica may have missed the last
-- increments, and only PostgreSQL knows them.
-- Given the counts (the caller holds the unit's exclusive lock, so no other check-in of the unit is in flight and
-- the counts are exact), the call first writes every missing counter from them; a counter built on this server
-- is never overwritten. Without them, a missing counter is reported and nothing changes.
-- Idempotent per visit: a call the client retries after a lost reply finds the visit's marks and counts
-- nothing twice. A joint visit (several items on one occasion) is one call over the union of its items'
-- counters, each key once, marked with the joint visit's id: the unit's yearly counters count it once.
-- KEYS: the counters. ARGV: the limit of each, in the same order, then the visit (or joint visit) id, then
-- optionally (count, ttl seconds) for each key.
-- Returns {status, written, index...}: status 'ok' | 'missing' | 'full', written = counters written from the
-- counts, the indices (into KEYS, from 1) of the missing or full counters.
local run = string.match(redis.call('INFO', 'server'), 'run_id:(%x+)')
local mark = 'v:' .. ARGV[#KEYS + 1]
local counted = #ARGV > #KEYS + 1
local missing, full, fresh, written = {}, {}, {}, 0
for i, key in ipairs(KEYS) do
  local state = redis.call('HMGET', key, 'n', 'run', mark)
  if (not state[1] or state[2] ~= run) and counted then
    redis.call('DEL', key)
    redis.call('HSET', key, 'n', ARGV[#KEYS + 2 * i], 'run', run)
    redis.call('EXPIRE', key, ARGV[#KEYS + 2 * i + 1])
    written = written + 1
    state = {ARGV[#KEYS + 2 * i], run, false}
  end
  if not state[1] or state[2] ~= run then
    missing[#missing + 1] = i
  elseif not state[3] then
    if tonumber(state[1]) >= tonumber(ARGV[i]) then
      full[#full + 1] = i
    end
    fresh[#fresh + 1] = key
  end
end
if #missing > 0 then
  return {'missing', written, unpack(missing)}
end
if #full > 0 then
  return {'full', written, unpack(full)}
end
for _, key in ipairs(fresh) do
  redis.call('HINCRBY', key, 'n', 1)
  redis.call('HSET', key, mark, 1)
end
return {'ok', written}
