-- Read-only: a room as a transition needs it, in one round trip and one atomic read:
-- meta, players, nicknames, connections, the current question's answers only
-- (earlier questions' answers are for reports, which load everything), the clock.
local err = check_room()
if err then return {0, err} end
local index = tonumber(redis.call('HGET', KEYS[1], 'index'))
local answers = {}
if index ~= nil and index >= 0 and KEYS[7 + index] then
  answers = redis.call('HGETALL', KEYS[7 + index])
end
local t = redis.call('TIME')
return {1, '', redis.call('HGETALL', KEYS[1]), redis.call('HGETALL', KEYS[2]), redis.call('HGETALL', KEYS[3]),
  redis.call('HGETALL', KEYS[5]), answers, tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)}
