-- wrk script: warm ESP8266httpUpdate check-ins from DEVICES distinct devices, byte for byte what
-- the stock client sends (HTTP/1.0, Connection: close, the full x-ESP8266-* set; see
-- device/.../HttpUpdateClient.java). Each wrk thread walks the whole fleet from its own offset, so
-- every request is a different device until the fleet wraps. The device runs the release the
-- server offers (sketch-md5 = SKETCH_MD5), so the answer is 304.
-- Environment: CHECKIN_PATH (/u/bench), HOSTPORT, SKETCH_MD5, SKETCH_SIZE, SKETCH_VERSION, DEVICES.
local devices = tonumber(os.getenv("DEVICES") or "10000")
local path = os.getenv("CHECKIN_PATH") or "/u/bench"
local hostport = os.getenv("HOSTPORT") or "127.0.0.1:8080"
local md5 = os.getenv("SKETCH_MD5") or "00000000000000000000000000000000"
local size = os.getenv("SKETCH_SIZE") or "1000000"
local version = os.getenv("SKETCH_VERSION") or "1.0.0"

local threads = 0
function setup(thread)
  thread:set("offset", threads * 7919)
  threads = threads + 1
end

local reqs = {}
local i = 0
function init(args)
  local base = offset or 0
  for d = 0, devices - 1 do
    local n = (d + base) % devices
    local b1, b2, b3 = math.floor(n / 65536) % 256, math.floor(n / 256) % 256, n % 256
    local tail = string.format("%02X:%02X:%02X", b1, b2, b3)
    reqs[d + 1] = "GET " .. path .. " HTTP/1.0\r\n" ..
      "Host: " .. hostport .. "\r\n" ..
      "User-Agent: ESP8266-http-Update\r\n" ..
      "Connection: close\r\n" ..
      "x-ESP8266-Chip-ID: " .. tostring(n) .. "\r\n" ..
      "x-ESP8266-STA-MAC: 18:FE:34:" .. tail .. "\r\n" ..
      "x-ESP8266-AP-MAC: 1A:FE:34:" .. tail .. "\r\n" ..
      "x-ESP8266-free-space: 2093056\r\n" ..
      "x-ESP8266-sketch-size: " .. size .. "\r\n" ..
      "x-ESP8266-sketch-md5: " .. md5 .. "\r\n" ..
      "x-ESP8266-chip-size: 4194304\r\n" ..
      "x-ESP8266-sdk-version: 2.2.2-dev(38a443e)\r\n" ..
      "x-ESP8266-mode: sketch\r\n" ..
      "x-ESP8266-version: " .. version .. "\r\n" ..
      "Content-Length: 0\r\n\r\n"
  end
end

function request()
  i = i + 1
  if i > devices then i = 1 end
  return reqs[i]
end
