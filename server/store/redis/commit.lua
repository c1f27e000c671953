-- Compare-and-set a host transition and publish it.
-- ARGV 5 expected version, 6 phase, 7 index, 8 opened_at, 9 deadline, 10 locked,
-- 11 kicked count, 12 screen json ('' = keep), 13 personal {id: json},
-- 14 envelope, 15 answers seen at load (-1 = unknown), 16 changed players {id: json},
-- 17 newly kicked [[id, folded nickname], ...], 18 paused_at ('' = running), 19 time added ms
-- Returns {1, '', seq, players version before, players version after}.
local err = check_room()
if err then return {0, err} end
if redis.call('HGET', KEYS[1], 'version') ~= ARGV[5] then return {0, 'version'} end
local old_phase = redis.call('HGET', KEYS[1], 'phase')
local old_index = tonumber(redis.call('HGET', KEYS[1], 'index'))
local new_phase = ARGV[6]
local new_index = tonumber(ARGV[7])
if old_phase == 'question' and (new_phase ~= 'question' or new_index ~= old_index) then
  -- Leaving a question scored from a stale read would drop an acknowledged
  -- answer: refuse, and fence the question so the retry sees the final set.
  local seen = tonumber(ARGV[15])
  if seen >= 0 and redis.call('HLEN', KEYS[7 + old_index]) ~= seen then
    redis.call('HSET', KEYS[1], 'fence', old_index)
    return {0, 'answers'}
  end
end
redis.call('HSET', KEYS[1], 'phase', new_phase, 'index', ARGV[7], 'opened_at', ARGV[8],
  'deadline', ARGV[9], 'locked', ARGV[10], 'kicked_count', ARGV[11],
  'paused_at', ARGV[18], 'added', ARGV[19],
  'version', tonumber(ARGV[5]) + 1)
local pv_before = redis.call('HGET', KEYS[1], 'pv') or ''
local pv_after = pv_before
local changed = cjson.decode(ARGV[16])
local kicked = cjson.decode(ARGV[17])
if next(changed) ~= nil or #kicked > 0 then pv_after = tostring(players_changed()) end
if #kicked > 0 then conns_changed() end
for id, raw in pairs(changed) do redis.call('HSET', KEYS[2], id, raw) end
for _, k in ipairs(kicked) do
  if redis.call('HGET', KEYS[3], k[2]) == k[1] then redis.call('HDEL', KEYS[3], k[2]) end
  redis.call('HDEL', KEYS[5], k[1])
  if old_phase == 'question' then redis.call('HDEL', KEYS[7 + old_index], k[1]) end
end
if new_phase == 'question' and (old_phase ~= 'question' or old_index ~= new_index) then
  redis.call('DEL', KEYS[7 + new_index])
  redis.call('HDEL', KEYS[1], 'fence')
end
if ARGV[12] ~= '' then
  redis.call('HSET', KEYS[1], 'screen', ARGV[12])
  redis.call('DEL', KEYS[6])
  for id, raw in pairs(cjson.decode(ARGV[13])) do redis.call('HSET', KEYS[6], id, raw) end
end
local seq = publish(ARGV[14])
touch()
return {1, '', seq, pv_before, pv_after}
