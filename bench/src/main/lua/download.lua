-- wrk script: a device downloading the image, as ESP8266httpUpdate does after a 200
-- (HTTP/1.0, Connection: close, one image per connection). Environment: DOWNLOAD_PATH, HOSTPORT.
local path = os.getenv("DOWNLOAD_PATH") or "/u/bench"
local hostport = os.getenv("HOSTPORT") or "127.0.0.1:8080"
local req = "GET " .. path .. " HTTP/1.0\r\nHost: " .. hostport .. "\r\nUser-Agent: ESP8266-http-Update\r\n" ..
  "Connection: close\r\nContent-Length: 0\r\n\r\n"
function request()
  return req
end
