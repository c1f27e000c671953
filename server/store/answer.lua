-- The hot path: one round trip per answer.
-- ARGV 5 player id, 6 index, 7 canonical value json, 8 correct (true/false/null),
-- 9 time limit ms, 10 '1' = only check (the value was invalid; find a better error)
local p, err = active_player(ARGV[5])
if err then return {0, err} end
if redis.call('HGET', KEYS[1], 'phase') ~= 'question' then return {0, 'wrong_phase'} end
local idx = tonumber(ARGV[6])
if tonumber(redis.call('HGET', KEYS[1], 'index')) ~= idx then return {0, 'wrong_question'} end
if tonumber(p.first_index) > idx then return {0, 'too_late'} end
local now = now_ms()
local t = now - tonumber(redis.call('HGET', KEYS[1], 'opened_at'))
if t > tonumber(ARGV[9]) or now > tonumber(redis.call('HGET', KEYS[1], 'deadline')) then
  return {0, 'too_late'}
end
if redis.call('HGET', KEYS[1], 'fence') == tostring(idx) then return {0, 'too_late'} end
local akey = KEYS[7 + idx]
if ARGV[10] == '1' then
  if redis.call('HEXISTS', akey, ARGV[5]) == 1 then return {0, 'already_answered'} end
  return {1, '', 0, 0}
end
if t < 0 then t = 0 end
local stored = '{"v":' .. ARGV[7] .. ',"t":' .. string.format('%d', t) .. ',"c":' .. ARGV[8] .. '}'
if redis.call('HSETNX', akey, ARGV[5], stored) == 0 then return {0, 'already_answered'} end
local answered = redis.call('HLEN', akey)
publish('{"g":[' .. idx .. ',' .. answered .. ',' .. redis.call('HLEN', KEYS[5]) .. ']}')
touch()
return {1, '', answered, all_answered()}
