package redislimit

import "github.com/redis/go-redis/v9"

// windowScript checks and records one request against every window, atomically, on
// Redis's own clock (TIME), so that the clocks of the processes sharing a key never
// matter. KEYS[i] is the sorted set of window i: one member per admitted request, scored
// with the microsecond it was admitted. ARGV[1] is the new request's member (unique);
// ARGV[2i], ARGV[2i+1] are window i's N and gap (Per plus margin) in microseconds.
//
// A request counts in window i while now < admitted + gap. If every window has room the
// request is recorded in all of them and the script returns 0; otherwise it records
// nothing and returns how many microseconds until the fullest window has room.
var windowScript = redis.NewScript(`
if redis.replicate_commands then pcall(redis.replicate_commands) end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local wait = 0
for i, key in ipairs(KEYS) do
  local n = tonumber(ARGV[2 * i])
  local gap = tonumber(ARGV[2 * i + 1])
  redis.call('ZREMRANGEBYSCORE', key, '-inf', now - gap)
  local count = redis.call('ZCARD', key)
  if count >= n then
    local oldest = redis.call('ZRANGE', key, count - n, count - n, 'WITHSCORES')
    local w = tonumber(oldest[2]) + gap - now
    if w > wait then wait = w end
  end
end
if wait > 0 then return wait end
for i, key in ipairs(KEYS) do
  local gap = tonumber(ARGV[2 * i + 1])
  redis.call('ZADD', key, now, ARGV[1])
  redis.call('PEXPIRE', key, math.floor(gap / 1000) + 1000)
end
return 0
`)
