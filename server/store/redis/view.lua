-- Read-only: the present of a room for one viewer. ARGV 5 player id ('' = host)
local err = check_room()
if err then return {0, err} end
local m = redis.call('HMGET', KEYS[1], 'phase', 'index', 'opened_at', 'deadline', 'locked',
  'version', 'next_join', 'seq', 'screen', 'paused_at', 'added')
local out = {1, ''}
for i = 1, 11 do out[#out + 1] = m[i] or '' end
local pid = ARGV[5]
local player, conn, answer, personal = '', '', '', ''
if pid ~= '' then
  player = redis.call('HGET', KEYS[2], pid) or ''
  conn = redis.call('HEXISTS', KEYS[5], pid)
  personal = redis.call('HGET', KEYS[6], pid) or ''
  if m[1] == 'question' then answer = redis.call('HGET', KEYS[7 + tonumber(m[2])], pid) or '' end
end
out[#out + 1] = player
out[#out + 1] = conn
out[#out + 1] = answer
out[#out + 1] = personal
local t = redis.call('TIME')
out[#out + 1] = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
return out
