-- wrk script: PUT a 66-byte value to one of 10k keys (/v2/keys/bench/k<n>), as in the benchmark of test/bench/RESULTS.md.
local value = string.rep("v", 66)
local body = "value=" .. value
local counter = 0
request = function()
  counter = counter + 1
  local path = "/v2/keys/bench/k" .. (counter % 10000)
  return wrk.format("PUT", path, {["Content-Type"] = "application/x-www-form-urlencoded"}, body)
end
