/**
 * Lua scripts. Each touches only the keys passed in KEYS (all under one hash tag, so Cluster-safe)
 * and takes every value through ARGV (one cached script per text). Time comes from Redis TIME so
 * no replica's clock skew leaks into `openUntil`.
 *
 * Replies share one shape so they are parsed in one place (see replies.ts):
 * `[status, now, state, gen, openUntil, reason, at, origin, extra]`, all strings.
 */

const PRELUDE = `
local function nowMs()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local function stored(h)
  local c = redis.call('HMGET', h, 'state', 'gen', 'openUntil', 'reason', 'at', 'origin')
  for i = 1, 6 do if not c[i] then c[i] = '' end end
  return c
end
local function genOf(c)
  local g = tonumber(c[2])
  if g == nil or g < 0 or g ~= math.floor(g) then return 0 end
  return g
end
local function reply(status, now, c, extra)
  return {status, tostring(now), c[1], c[2], c[3], c[4], c[5], c[6], tostring(extra)}
end
`;

/**
 * A transition. KEYS: state, votes, probe, counts. ARGV: expectedGen, proposedGen, state, reason,
 * origin, openMs, ttlMs, quorum, kind ('trip' | 'probe' | 'manual' | 'restore' | 'aggregate'),
 * channel, prefix, name.
 *
 * 'trip' with quorum > 1 first casts this replica's vote (expiring with the open period) and only
 * proceeds when enough unexpired votes exist ('voted' otherwise). The write is a compare-and-set:
 * it happens only when the stored generation is the one the caller last saw ('conflict' with the
 * stored state otherwise). The new generation is max(stored + 1, proposed) so fleet and local
 * generations stay aligned. The transition is published in the same script, so it is never
 * written without being announced.
 */
export const TRANSITION_LUA = `${PRELUDE}
local now = nowMs()
local origin = ARGV[5]
local openMs = tonumber(ARGV[6])
local votes = 0
if ARGV[9] == 'trip' and tonumber(ARGV[8]) > 1 then
  redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
  redis.call('ZADD', KEYS[2], now + openMs, origin)
  redis.call('PEXPIRE', KEYS[2], openMs)
  votes = redis.call('ZCARD', KEYS[2])
  if votes < tonumber(ARGV[8]) then return reply('voted', now, stored(KEYS[1]), votes) end
end
local c = stored(KEYS[1])
local cur = genOf(c)
if cur ~= tonumber(ARGV[1]) then return reply('conflict', now, c, votes) end
local gen = math.max(cur + 1, tonumber(ARGV[2]))
local state = ARGV[3]
local openUntil = 0
if state == 'open' then openUntil = now + openMs end
redis.call('HSET', KEYS[1], 'state', state, 'gen', tostring(gen), 'openUntil', tostring(openUntil),
  'reason', ARGV[4], 'at', tostring(now), 'origin', origin)
if state == 'isolated' then
  redis.call('PERSIST', KEYS[1])
else
  redis.call('PEXPIRE', KEYS[1], math.max(tonumber(ARGV[7]), openMs * 2))
end
if state ~= 'open' or redis.call('GET', KEYS[3]) == origin then redis.call('DEL', KEYS[3]) end
if state ~= 'open' then redis.call('DEL', KEYS[2]) end
redis.call('DEL', KEYS[4])
local msg = cjson.encode({v = 1, p = ARGV[11], n = ARGV[12], s = state, g = gen, u = openUntil, t = now,
  r = ARGV[4], o = origin, q = votes})
redis.call('PUBLISH', ARGV[10], msg)
return reply('ok', now, {state, tostring(gen), tostring(openUntil), ARGV[4], tostring(now), origin}, votes)
`;

/**
 * Races for the fleet probe lease. KEYS: state, probe. ARGV: instanceId, leaseMs, earlyMs.
 * 'state': the fleet is not open any more; 'wait': still open for `extra` ms; 'granted': lease
 * held for `extra` ms; 'held': another replica holds it for `extra` more ms. The lease may be
 * taken up to earlyMs before the open period ends (its holder still waits for its own breaker's
 * open period), so the replica that opened the fleet probes on its first call after it.
 */
export const ACQUIRE_LUA = `${PRELUDE}
local now = nowMs()
local c = stored(KEYS[1])
if c[1] ~= 'open' then return reply('state', now, c, 0) end
local ou = tonumber(c[3]) or 0
if ou > now + tonumber(ARGV[3]) then return reply('wait', now, c, ou - now - tonumber(ARGV[3])) end
if redis.call('SET', KEYS[2], ARGV[1], 'NX', 'PX', ARGV[2]) then return reply('granted', now, c, ARGV[2]) end
if redis.call('GET', KEYS[2]) == ARGV[1] then
  redis.call('PEXPIRE', KEYS[2], ARGV[2])
  return reply('granted', now, c, ARGV[2])
end
return reply('held', now, c, redis.call('PTTL', KEYS[2]))
`;

/** Releases the probe lease if this instance holds it. KEYS: probe. ARGV: instanceId. */
export const RELEASE_LUA = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`;

/**
 * Reads a breaker for resync and the CLI, refreshing the TTL of a live hash. KEYS: state, votes,
 * probe. ARGV: ttlMs. `extra` is "<unexpired votes>|<probe holder>".
 */
export const READ_LUA = `${PRELUDE}
local now = nowMs()
local c = stored(KEYS[1])
local ttl = redis.call('PTTL', KEYS[1])
if ttl >= 0 and ttl < tonumber(ARGV[1]) then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local votes = 0
if redis.call('TYPE', KEYS[2]).ok == 'zset' then votes = redis.call('ZCOUNT', KEYS[2], now, '+inf') end
local holder = ''
if redis.call('TYPE', KEYS[3]).ok == 'string' then holder = redis.call('GET', KEYS[3]) end
return reply('read', now, c, tostring(votes) .. '|' .. holder)
`;

/**
 * Aggregate mode: adds this replica's counts to the current bucket, drops buckets older than the
 * window and returns fleet totals. KEYS: counts. ARGV: bucketMs, buckets, successes, failures, slow.
 * Reply: [now, successes, failures, slowCalls].
 */
export const AGGREGATE_LUA = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local bucketMs = tonumber(ARGV[1])
local b = math.floor(now / bucketMs)
local adds = {s = tonumber(ARGV[3]), f = tonumber(ARGV[4]), w = tonumber(ARGV[5])}
for k, n in pairs(adds) do
  if n > 0 then redis.call('HINCRBY', KEYS[1], tostring(b) .. ':' .. k, n) end
end
redis.call('PEXPIRE', KEYS[1], bucketMs * (tonumber(ARGV[2]) + 1))
local all = redis.call('HGETALL', KEYS[1])
local oldest = b - tonumber(ARGV[2]) + 1
local sum = {s = 0, f = 0, w = 0}
for i = 1, #all, 2 do
  local sep = string.find(all[i], ':', 1, true)
  local bi = sep and tonumber(string.sub(all[i], 1, sep - 1))
  local kind = sep and string.sub(all[i], sep + 1)
  local v = tonumber(all[i + 1])
  if bi == nil or bi < oldest or v == nil or sum[kind] == nil then
    redis.call('HDEL', KEYS[1], all[i])
  else
    sum[kind] = sum[kind] + v
  end
end
return {tostring(now), tostring(sum.s), tostring(sum.f), tostring(sum.w)}
`;

/** Names under which the scripts are defined on a connection (ioredis `defineCommand`). */
export const SCRIPTS = {
  bwTransition: { lua: TRANSITION_LUA, numberOfKeys: 4 },
  bwAcquire: { lua: ACQUIRE_LUA, numberOfKeys: 2 },
  bwRelease: { lua: RELEASE_LUA, numberOfKeys: 1 },
  bwRead: { lua: READ_LUA, numberOfKeys: 3 },
  bwAggregate: { lua: AGGREGATE_LUA, numberOfKeys: 1 },
} as const;
