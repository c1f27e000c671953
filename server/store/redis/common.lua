-- Shared by every room script (prepended by server/store/redis/core.py).
-- KEYS: 1 meta, 2 players, 3 nicks, 4 tokens, 5 conns, 6 personal, 7.. answers:0..n-1
-- ARGV: 1 room uid ('' = any), 2 room TTL ms, 3 results TTL ms, 4 events channel; 5.. per script.

local function check_room()
  local uid = redis.call('HGET', KEYS[1], 'uid')
  if not uid then return 'room_not_found' end
  if ARGV[1] ~= '' and uid ~= ARGV[1] then return 'stale' end
  return nil
end

-- The room and one of its players who may still act: (player, nil) or (nil, error code).
local function active_player(pid)
  local err = check_room()
  if err then return nil, err end
  local raw = redis.call('HGET', KEYS[2], pid)
  if not raw then return nil, 'not_player' end
  local p = cjson.decode(raw)
  if p.kicked then return nil, 'kicked' end
  return p, nil
end

-- Refresh every key of the room with the room TTL; once finished, the results TTL
-- counts from the moment it finished (meta `until`), and nothing extends it: players
-- resuming now and then cannot keep a finished room alive for ever.
local function touch()
  if redis.call('HGET', KEYS[1], 'phase') == 'finished' then
    local at = redis.call('HGET', KEYS[1], 'until')
    if not at then
      local t = redis.call('TIME')
      at = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000) + tonumber(ARGV[3])
      redis.call('HSET', KEYS[1], 'until', at)
    end
    for i = 1, #KEYS do redis.call('PEXPIREAT', KEYS[i], at) end
    return
  end
  local ttl = tonumber(ARGV[2])
  for i = 1, #KEYS do redis.call('PEXPIRE', KEYS[i], ttl) end
end

-- One event, one PUBLISH, numbered by the room's seq in the same atomic step.
local function publish(body)
  local seq = redis.call('HINCRBY', KEYS[1], 'seq', 1)
  redis.call('PUBLISH', ARGV[4], seq .. '|' .. body)
  return seq
end

-- Players or nicknames changed: loads that hold the previous version may skip them (load.lua).
local function players_changed()
  return redis.call('HINCRBY', KEYS[1], 'pv', 1)
end

-- Who is connected changed: loads that hold the previous version may skip the connections.
local function conns_changed()
  return redis.call('HINCRBY', KEYS[1], 'cv', 1)
end

local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end

-- The hosts' answer count for question `idx`, remembered so that a held-back
-- count is published once (answer.lua, progress.lua).
-- game.answer_count's M: the answers plus the connected players who may still answer
-- (late joiners of this question are not among them; player JSON is decoded only
-- when there are some). An answer from a connected player moves them from one side
-- to the other, so M changes only when who is connected does (`cv`): it is counted
-- once per question and connection version, not on every PUBLISH.
local function answer_total(idx, answered)
  local at = idx .. ':' .. (redis.call('HGET', KEYS[1], 'cv') or '0')
  if redis.call('HGET', KEYS[1], 'total_at') == at then
    return tonumber(redis.call('HGET', KEYS[1], 'total'))
  end
  local akey = KEYS[7 + idx]
  local late = redis.call('HGET', KEYS[1], 'late_index') == tostring(idx)
    and tonumber(redis.call('HGET', KEYS[1], 'late_count') or '0') > 0
  local here = 0
  for _, pid in ipairs(redis.call('HKEYS', KEYS[5])) do
    if redis.call('HEXISTS', akey, pid) == 0 then
      if not late then
        here = here + 1
      else
        local raw = redis.call('HGET', KEYS[2], pid)
        if raw and tonumber(cjson.decode(raw).first_index) <= idx then here = here + 1 end
      end
    end
  end
  local total = answered + here
  redis.call('HSET', KEYS[1], 'total_at', at, 'total', total)
  return total
end

-- The hosts' "N of M" for question `idx`, remembered so that a held-back count is
-- published once (answer.lua, progress.lua). `extra` joins other parts of the same
-- event (presence.lua: the lobby changed too), so that it is still one PUBLISH.
local function publish_progress(idx, answered, now, extra)
  redis.call('HSET', KEYS[1], 'progress_at', now, 'progress', idx .. ':' .. answered)
  publish('{' .. (extra or '') .. '"g":[' .. idx .. ',' .. answered .. ',' .. answer_total(idx, answered) .. ']}')
end

-- Who is here changed: the lobby, and the "of M" of an open question.
local function publish_presence()
  if redis.call('HGET', KEYS[1], 'phase') == 'question' then
    local idx = tonumber(redis.call('HGET', KEYS[1], 'index'))
    publish_progress(idx, redis.call('HLEN', KEYS[7 + idx]), now_ms(), '"l":1,')
  else
    publish('{"l":1}')
  end
end

-- game.all_answered: an open question, some answer, someone connected, and no
-- connected eligible player left to wait for. The counting shortcut skips the
-- scan while clearly more connected players than answers (+ late joiners) remain.
local function all_answered()
  if redis.call('HGET', KEYS[1], 'phase') ~= 'question' then return 0 end
  local idx = tonumber(redis.call('HGET', KEYS[1], 'index'))
  local akey = KEYS[7 + idx]
  local answered = redis.call('HLEN', akey)
  if answered == 0 then return 0 end
  local conns = redis.call('HLEN', KEYS[5])
  if conns == 0 then return 0 end
  local late = 0
  if redis.call('HGET', KEYS[1], 'late_index') == tostring(idx) then
    late = tonumber(redis.call('HGET', KEYS[1], 'late_count') or '0')
  end
  if answered + late < conns then return 0 end
  for _, pid in ipairs(redis.call('HKEYS', KEYS[5])) do
    if redis.call('HEXISTS', akey, pid) == 0 then
      local raw = redis.call('HGET', KEYS[2], pid)
      if raw then
        local p = cjson.decode(raw)
        if (not p.kicked) and tonumber(p.first_index) <= idx then return 0 end
      end
    end
  end
  return 1
end
