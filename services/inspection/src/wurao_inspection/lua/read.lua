-- What each counter stands at, for display: the counter's value (its hash's n); where Redis holds no counter, the
-- count remembered for it from PostgreSQL (counters.remember); else nil. Changes nothing.
-- One call instead of a pipeline of HGETs: the client packs and parses one command.
-- KEYS: the counters, then their remembered counts in the same order. Returns the values in the counters' order
-- (false, sent as nil, where neither is held).
local n = #KEYS / 2
local values = {}
for i = 1, n do
  values[i] = redis.call('HGET', KEYS[i], 'n') or redis.call('GET', KEYS[n + i])
end
return values
