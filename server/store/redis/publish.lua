-- ARGV 5 envelope
local err = check_room()
if err then return {0, err} end
local seq = publish(ARGV[5])
touch()
return {1, '', seq}
