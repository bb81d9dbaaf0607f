-- wrk script: GET one of 10k keys (/v2/keys/bench/k<n>); run put.lua first to fill them.
-- Set wrk's env QUORUM=1 for quorum=true reads.
local counter = 0
local suffix = os.getenv("QUORUM") == "1" and "?quorum=true" or ""
request = function()
  counter = counter + 1
  return wrk.format("GET", "/v2/keys/bench/k" .. (counter % 10000) .. suffix)
end
