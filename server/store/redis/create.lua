-- ARGV 5 meta {field: string}, 6 players {id: json}, 7 nicks {folded: id}, 8 tokens {hash: id}
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
for i = 2, #KEYS do redis.call('DEL', KEYS[i]) end
for field, value in pairs(cjson.decode(ARGV[5])) do redis.call('HSET', KEYS[1], field, value) end
for id, raw in pairs(cjson.decode(ARGV[6])) do redis.call('HSET', KEYS[2], id, raw) end
for folded, id in pairs(cjson.decode(ARGV[7])) do redis.call('HSET', KEYS[3], folded, id) end
for hash, id in pairs(cjson.decode(ARGV[8])) do redis.call('HSET', KEYS[4], hash, id) end
touch()
return 1
