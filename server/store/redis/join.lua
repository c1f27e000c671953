-- ARGV 5 player id, 6 player json, 7 folded nickname, 8 token hash
-- A refusal is {0, key of errors.TEXTS, detail name, value, ...} (core.raise_refusal words it).
local err = check_room()
if err then return {0, err} end
local phase = redis.call('HGET', KEYS[1], 'phase')
if phase == 'finished' then return {0, 'room_locked.finished'} end
if redis.call('HGET', KEYS[1], 'locked') == '1' then return {0, 'room_locked'} end
local players = redis.call('HLEN', KEYS[2]) - tonumber(redis.call('HGET', KEYS[1], 'kicked_count') or '0')
local max = tonumber(redis.call('HGET', KEYS[1], 'max_players'))
if players >= max then return {0, 'room_full', 'max', max} end
if redis.call('HEXISTS', KEYS[3], ARGV[7]) == 1 then return {0, 'nickname_taken'} end
if redis.call('HEXISTS', KEYS[2], ARGV[5]) == 1 then return {0, 'bad_message.player_id'} end
local joined = redis.call('HINCRBY', KEYS[1], 'next_join', 1) - 1
local index = tonumber(redis.call('HGET', KEYS[1], 'index'))
local first = 0
if phase ~= 'lobby' then first = index + 1 end
if phase == 'question' then
  -- late joiners of the open question, for all_answered's shortcut
  if redis.call('HGET', KEYS[1], 'late_index') ~= tostring(index) then
    redis.call('HSET', KEYS[1], 'late_index', index, 'late_count', 0)
  end
  redis.call('HINCRBY', KEYS[1], 'late_count', 1)
end
local p = cjson.decode(ARGV[6])
p.joined = joined
p.first_index = first
redis.call('HSET', KEYS[2], ARGV[5], cjson.encode(p))
redis.call('HSET', KEYS[3], ARGV[7], ARGV[5])
redis.call('HSET', KEYS[4], ARGV[8], ARGV[5])
players_changed()
publish('{"l":1}')
touch()
return {1, '', joined, first}
