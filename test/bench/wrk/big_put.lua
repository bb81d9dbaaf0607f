-- wrk script: PUT a value of BIG_VALUE bytes (env, default 1 MiB) to one of 16 keys
-- (/v2/keys/mb/k<n>): scale.sh's "big" row. wrk reads the answers without parsing them, so the
-- row measures the server, not a client decoding megabytes of JSON on the same cores.
local size = tonumber(os.getenv("BIG_VALUE") or "1048576")
local body = "value=" .. string.rep("a", size)
local counter = 0
request = function()
  counter = counter + 1
  return wrk.format("PUT", "/v2/keys/mb/k" .. (counter % 16), {["Content-Type"] = "application/x-www-form-urlencoded"}, body)
end
