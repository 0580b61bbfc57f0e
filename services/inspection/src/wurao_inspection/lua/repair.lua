-- Sets one counter to the count PostgreSQL holds and gives back the marks of visits that never committed
-- (a check-in whose failure could not be settled at the time). Never creates a key.
-- Runs while the unit's check-ins are held off (PostgreSQL advisory lock), so the count is exact.
-- KEYS: the counter. ARGV: the count, then the ids of the visits it marks that PostgreSQL does not hold.
-- Returns the value it held before, or false when the key is gone.
local held = redis.call('HGET', KEYS[1], 'n')
if not held then
  return false
end
redis.call('HSET', KEYS[1], 'n', ARGV[1])
for i = 2, #ARGV do
  redis.call('HSET', KEYS[1], 'v:' .. ARGV[i], 0)
end
return held
