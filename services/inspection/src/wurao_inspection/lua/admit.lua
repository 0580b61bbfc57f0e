-- Admits one check-in: checks every counter that applies and increments all of them, or none.
-- A counter is a hash {n = visits counted, gen = id of the rebuild that created it}; it is only ever created
-- by seed.lua (from PostgreSQL, with its expiry), so a missing one is reported, never assumed to be zero.
-- KEYS: the counters. ARGV: the limit of each, in the same order.
-- Returns {'ok', gen...} | {'missing', index...} | {'full', index...} (indices into KEYS, from 1).
local missing, full, gens = {}, {}, {}
for i, key in ipairs(KEYS) do
  local state = redis.call('HMGET', key, 'n', 'gen')
  if not state[1] then
    missing[#missing + 1] = i
  elseif tonumber(state[1]) >= tonumber(ARGV[i]) then
    full[#full + 1] = i
  end
  gens[i] = state[2] or ''
end
if #missing > 0 then
  return {'missing', unpack(missing)}
end
if #full > 0 then
  return {'full', unpack(full)}
end
for i, key in ipairs(KEYS) do
  redis.call('HINCRBY', key, 'n', 1)
end
return {'ok', unpack(gens)}
