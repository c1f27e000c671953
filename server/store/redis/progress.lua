-- Publish the answer count that answer.lua held back, unless it was published since
-- (by another answer or another instance) or the question is over.
-- The question is the room's current one. Returns {1, '', 1 if published else 0}.
local err = check_room()
if err then return {0, err} end
if redis.call('HGET', KEYS[1], 'phase') ~= 'question' then return {1, '', 0} end
local idx = tonumber(redis.call('HGET', KEYS[1], 'index'))
local answered = redis.call('HLEN', KEYS[7 + idx])
if redis.call('HGET', KEYS[1], 'progress') == idx .. ':' .. answered then return {1, '', 0} end
publish_progress(idx, answered, now_ms())
touch()
return {1, '', 1}
