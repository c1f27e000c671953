-- The hot path: one round trip per answer.
-- ARGV 5 player id, 6 index, 7 canonical value json, 8 correct (true/false/null),
-- 9 the question's own time limit ms (the host's added time is in meta), 10 '1' = only check (the value was invalid; find a better error),
-- 11 progress interval ms: the answer count is published at most once per interval
-- (2,000 answers must not be 2,000 PUBLISHes read by every instance); a count held
-- back is reported to the caller, which publishes it later with progress.lua.
-- A refusal is {0, key of errors.TEXTS, detail name, value, ...} (core.raise_refusal words it).
local p, err = active_player(ARGV[5])
if err then return {0, err} end
if redis.call('HGET', KEYS[1], 'phase') ~= 'question' then return {0, 'wrong_phase'} end
local idx = tonumber(ARGV[6])
local open = tonumber(redis.call('HGET', KEYS[1], 'index'))
if open ~= idx then return {0, 'wrong_question', 'open', open} end
if tonumber(p.first_index) > idx then return {0, 'too_late.joined'} end
local clock = redis.call('HMGET', KEYS[1], 'opened_at', 'deadline', 'paused_at', 'added')
if clock[3] and clock[3] ~= '' then return {0, 'paused'} end
local now = now_ms()
local t = now - tonumber(clock[1])
if t > tonumber(ARGV[9]) + tonumber(clock[4] or '0') or now > tonumber(clock[2]) then
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
-- An answer that arrives after its sender's disconnect was recorded adds to M (common.lua).
if redis.call('HEXISTS', KEYS[5], ARGV[5]) == 0 then redis.call('HDEL', KEYS[1], 'total_at') end
if answered == 1 then redis.call('PEXPIRE', akey, tonumber(ARGV[2])) end  -- a new key never lacks a TTL
local held = 1
if now - tonumber(redis.call('HGET', KEYS[1], 'progress_at') or '0') >= tonumber(ARGV[11]) then
  publish_progress(idx, answered, now)
  touch()
  held = 0
end
return {1, '', answered, all_answered(), held}
