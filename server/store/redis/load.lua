-- Read-only: a room as a transition needs it, in one round trip and one atomic read:
-- meta, players, nicknames, connections, the answers to the open question only
-- (a revealed question's answers are for reports, which load everything), the clock.
-- ARGV 5 players version the caller holds ('' = none), 6 its number of players:
-- if both still hold, players and nicknames are not sent (reply field 9 is 1);
-- ARGV 7 connections version, 8 its number of connected players: the same for
-- the connections (reply field 10 is 1).
local err = check_room()
if err then return {0, err} end
local index = tonumber(redis.call('HGET', KEYS[1], 'index'))
local answers = {}
if index ~= nil and index >= 0 and KEYS[7 + index] and redis.call('HGET', KEYS[1], 'phase') == 'question' then
  answers = redis.call('HGETALL', KEYS[7 + index])
end
local t = redis.call('TIME')
-- Does the caller still hold this hash? (the same version in meta, and as many entries)
local function held(version, known, count, key)
  return known ~= '' and redis.call('HGET', KEYS[1], version) == known and redis.call('HLEN', key) == tonumber(count)
end
local players, nicks, same = {}, {}, 1
if not held('pv', ARGV[5], ARGV[6], KEYS[2]) then
  players, nicks, same = redis.call('HGETALL', KEYS[2]), redis.call('HGETALL', KEYS[3]), 0
end
local conns, conns_same = {}, 1
if not held('cv', ARGV[7], ARGV[8], KEYS[5]) then
  conns, conns_same = redis.call('HGETALL', KEYS[5]), 0
end
return {1, '', redis.call('HGETALL', KEYS[1]), players, nicks, conns, answers,
  tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000), same, conns_same}
