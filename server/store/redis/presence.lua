-- ARGV 5 player id, 6 connection id, 7 '1' connected / '0' gone
-- Returns {status, all_answered}: status 0 room missing/stale uid -> see core.py (Core.run)
local err = check_room()
if err then return {0, err, 0} end
local raw = redis.call('HGET', KEYS[2], ARGV[5])
if not raw then return {1, '', 0} end
if cjson.decode(raw).kicked then return {1, '', 0} end
if ARGV[7] == '1' then
  local before = redis.call('HGET', KEYS[5], ARGV[5])
  redis.call('HSET', KEYS[5], ARGV[5], ARGV[6])
  if not before then
    conns_changed()
    publish_presence()
  end
  touch()
  -- A player who had answered may come back to find everyone else has too.
  return {1, '', all_answered()}
end
if redis.call('HGET', KEYS[5], ARGV[5]) ~= ARGV[6] then return {1, '', 0} end
redis.call('HDEL', KEYS[5], ARGV[5])
conns_changed()
publish_presence()
touch()
return {1, '', all_answered()}
