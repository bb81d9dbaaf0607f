-- wrk script: GET one of the 16 keys big_put.lua writes (/v2/keys/mb/k<n>): scale.sh's "big" row.
local counter = 0
request = function()
  counter = counter + 1
  return wrk.format("GET", "/v2/keys/mb/k" .. (counter % 16))
end
