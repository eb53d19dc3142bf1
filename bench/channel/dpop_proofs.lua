-- wrk script for bench/channel/dpop.sh: every request carries the next "<token> <proof>" line of
-- the file named by PROOFS (fresh proofs, each usable once), as a sender-constrained client sends,
-- starting at line PROOFS_START (each run takes its own slice: a proof used twice is refused).
local lines = {}
local next_line = 1

function init(args)
  for line in io.lines(os.getenv("PROOFS")) do
    local token, proof = line:match("^(%S+) (%S+)$")
    if token then lines[#lines + 1] = { token, proof } end
  end
  next_line = tonumber(os.getenv("PROOFS_START") or "1")
end

function request()
  local pair = lines[next_line]
  next_line = next_line + 1
  if next_line > #lines then next_line = 1 end  -- past the end: replays, which the channel refuses (counted as non-2xx)
  return wrk.format("GET", nil, { ["Authorization"] = "DPoP " .. pair[1], ["DPoP"] = pair[2] })
end
