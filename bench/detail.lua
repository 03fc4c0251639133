-- wrk script: GET /api/v1/devices/<random device of the bench database> with a bearer token.
math.randomseed(os.time())
local token = os.getenv("CW_TOKEN") or ""
local devices = tonumber(os.getenv("CW_DEVICES") or "100000")
request = function()
  local i = math.random(0, devices - 1)
  local ip = string.format("198.%d.%d.%d", 18 + math.floor(i / 65536), math.floor(i / 256) % 256, i % 256)
  return wrk.format("GET", "/api/v1/devices/" .. ip, {["Authorization"] = "Bearer " .. token})
end
