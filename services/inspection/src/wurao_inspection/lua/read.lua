-- The value of each counter (its hash's n), for display; nil for a counter Redis does not hold. Changes nothing.
-- One call instead of a pipeline of HGETs: the client packs and parses one command.
-- KEYS: the counters. Returns their values in the same order (false, sent as nil, where absent).
local values = {}
for i, key in ipairs(KEYS) do
  values[i] = redis.call('HGET', key, 'n')
end
return values
