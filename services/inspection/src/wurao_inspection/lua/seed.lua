-- Creates missing counters from the counts PostgreSQL holds, each with its expiry; never overwrites one.
-- Runs while the unit's check-ins are held off (PostgreSQL advisory lock), so the counts are exact.
-- KEYS: the counters. ARGV: the rebuild's gen, then (count, ttl seconds) for each key.
local created = 0
for i, key in ipairs(KEYS) do
  if redis.call('EXISTS', key) == 0 then
    redis.call('HSET', key, 'n', ARGV[2 * i], 'gen', ARGV[1])
    redis.call('EXPIRE', key, ARGV[2 * i + 1])
    created = created + 1
  end
end
return created
