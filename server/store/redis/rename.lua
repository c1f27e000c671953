-- ARGV 5 player id, 6 nickname, 7 folded nickname, 8 max rerolls
local p, err = active_player(ARGV[5])
if err then return {0, err} end
if redis.call('HGET', KEYS[1], 'phase') ~= 'lobby' then return {0, 'wrong_phase.rename'} end
if tonumber(p.rerolls or 0) >= tonumber(ARGV[8]) then return {0, 'rate_limited.rerolls'} end
if redis.call('HEXISTS', KEYS[3], ARGV[7]) == 1 then return {0, 'nickname_taken'} end
local nicks = redis.call('HGETALL', KEYS[3])
for i = 1, #nicks, 2 do
  if nicks[i + 1] == ARGV[5] then redis.call('HDEL', KEYS[3], nicks[i]) end
end
redis.call('HSET', KEYS[3], ARGV[7], ARGV[5])
p.nickname = ARGV[6]
p.rerolls = tonumber(p.rerolls or 0) + 1
redis.call('HSET', KEYS[2], ARGV[5], cjson.encode(p))
players_changed()
publish('{"l":1}')
touch()
return {1, ''}
