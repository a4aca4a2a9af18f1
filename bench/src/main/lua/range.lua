-- wrk script: ESP-IDF devices downloading the image as esp_https_ota does with
-- partial_http_download (device/.../IdfOtaClient.java, "Partial download"): one GET per chunk of
-- RANGE_CHUNK bytes (max_http_request_size, 64 KiB by default), exactly esp_http_client's request
-- (HTTP/1.1, User-Agent, Host, Range; "bytes=N-(N+max-1)", the last chunk "bytes=N-"). Each
-- connection walks the image chunk by chunk, from the start again after the last one.
-- RANGE_KEEPALIVE=1: no Connection header, as esp_http_client sends it, so Updraft keeps the
-- connection and the next chunk reuses it; RANGE_KEEPALIVE=0: "Connection: close", one TCP
-- connection per chunk (what every chunk cost before Updraft kept connections open).
-- Environment: DOWNLOAD_PATH, HOSTPORT, IMAGE_SIZE (bytes), RANGE_CHUNK, RANGE_KEEPALIVE.
local path = os.getenv("DOWNLOAD_PATH") or "/u/bench"
local hostport = os.getenv("HOSTPORT") or "127.0.0.1:8080"
local size = tonumber(os.getenv("IMAGE_SIZE") or "1048576")
local chunk = tonumber(os.getenv("RANGE_CHUNK") or "65536")
local close = os.getenv("RANGE_KEEPALIVE") == "0"

local reqs = {}
local i = 0
function init(args)
  local n = 0
  local first = 0
  while first < size do
    local range
    if size - first > chunk then
      range = "bytes=" .. first .. "-" .. (first + chunk - 1)
    else
      range = "bytes=" .. first .. "-"
    end
    n = n + 1
    reqs[n] = "GET " .. path .. " HTTP/1.1\r\nUser-Agent: ESP32 HTTP Client/1.0\r\nHost: " .. hostport .. "\r\n" ..
      "Range: " .. range .. "\r\n" .. (close and "Connection: close\r\n" or "") .. "\r\n"
    first = first + chunk
  end
end

function request()
  i = i + 1
  if i > #reqs then i = 1 end
  return reqs[i]
end
