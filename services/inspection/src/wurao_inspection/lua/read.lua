-- What each counter stands at, for display: the counter's value (its hash's n); where Redis holds no counter, the
-- count remembered for it from PostgreSQL (counters.remember); else nil. Changes nothing.
-- A counter built on another Redis server (its run, see admit.lua) is shown as missing, as admit.lua treats it:
-- after a failover the promoted replica may have missed its last increments, and only PostgreSQL knows them.
-- One call instead of a pipeline of HGETs: the client packs and parses one command.
-- KEYS: the counters, then their remembered counts in the same order. Returns the values in the counters' order
-- (false, sent as nil, where neither is held).
local n = #KEYS / 2
local run
local values = {}
for i = 1, n do
  local state = redis.call('HMGET', KEYS[i], 'n', 'run')
  if state[1] then
    run = run or string.match(redis.call('INFO', 'server'), 'run_id:(%x+)')
  end
  if state[1] and state[2] == run then
    values[i] = state[1]
  else
    values[i] = redis.call('GET', KEYS[n + i])
  end
end
return values
