-- Creates missing counters, and replaces those built on another Redis server (see admit.lua), from the
-- counts PostgreSQL holds, each with its expiry. A counter built on this server is never overwritten.
-- Runs while the unit's check-ins are held off (PostgreSQL advisory lock), so the counts are exact.
-- KEYS: the counters. ARGV: (count, ttl seconds) for each key.
local run = string.match(redis.call('INFO', 'server'), 'run_id:(%x+)')
local created = 0
for i, key in ipairs(KEYS) do
  if redis.call('HGET', key, 'run') ~= run then
    redis.call('DEL', key)
    redis.call('HSET', key, 'n', ARGV[2 * i - 1], 'run', run)
    redis.call('EXPIRE', key, ARGV[2 * i])
    created = created + 1
  end
end
return created
