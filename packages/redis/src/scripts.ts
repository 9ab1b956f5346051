/**
 * Lua scripts. Each touches only the keys passed in KEYS (all under one hash tag, so Cluster-safe)
 * and takes every value through ARGV (one cached script per text). Time comes from Redis TIME so
 * no replica's clock skew leaks into `openUntil`.
 *
 * Replies share one shape so they are parsed in one place (see records.ts):
 * `[status, now, state, gen, openUntil, reason, at, origin, extra, openAttempt, mac]`, all strings.
 *
 * Authentication (see auth.ts): with a secret, the state scripts get every key's HMAC pads as one
 * hex argument (`pads`; '' = no secret), sign what they write (hash field `mac`, also in the
 * message) and treat a stored record without a valid MAC like any record no replica accepts.
 */

import { MAC_HEX, MAX_SECRETS } from './auth.js';
import { MAX_GEN, MAX_TEXT } from './bounds.js';

/**
 * `sequenceGeneration()` of @breakwater/core (store/generation.ts) in Lua: the generation a
 * transition gets is max(stored + 1, proposed), back to 1 past maxGen. generation.int.test.ts runs
 * this text in Redis against the TypeScript function.
 */
export const SEQUENCE_GENERATION_LUA = `
local function sequenceGen(stored, proposed, maxGen)
  local g = math.max(stored + 1, proposed)
  if g > maxGen then g = 1 end
  return g
end
`;

const PRELUDE = `
local MAXGEN = ${MAX_GEN}
${SEQUENCE_GENERATION_LUA}local function nowMs()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
-- Integers written exactly: tostring() would use %.14g and store 9.007199254741e+15.
local function fmt(n)
  if type(n) == 'number' then return string.format('%.0f', n) end
  return tostring(n)
end
local function stored(h)
  local c = redis.call('HMGET', h, 'state', 'gen', 'openUntil', 'reason', 'at', 'origin', 'attempt', 'mac')
  for i = 1, 8 do if not c[i] then c[i] = '' end end
  return c
end
local function hex2bin(h)
  return (string.gsub(h, '..', function(x) return string.char(tonumber(x, 16)) end))
end
local function lp(s) return string.len(s) .. ':' .. s end
-- What a record MAC covers (auth.ts canonicalRecord builds the same bytes).
local function canon(prefix, name, c)
  return 'bw1|' .. lp(prefix) .. lp(name)
    .. lp(c[1]) .. lp(c[2]) .. lp(c[3]) .. lp(c[4]) .. lp(c[5]) .. lp(c[6]) .. lp(c[7])
end
-- HMAC-SHA1 of msg under every key whose pads (inner .. outer, 256 hex chars) are in pads.
local function macs(pads, msg)
  local out = {}
  for i = 1, string.len(pads) - 255, 256 do
    local inner = hex2bin(string.sub(pads, i, i + 127))
    local outer = hex2bin(string.sub(pads, i + 128, i + 255))
    out[#out + 1] = redis.sha1hex(outer .. hex2bin(redis.sha1hex(inner .. msg)))
  end
  return table.concat(out)
end
-- Without a secret every record counts as signed; with one, any stored MAC must match any key's.
local function signed(pads, prefix, name, c)
  if pads == '' then return true end
  local n = string.len(c[8])
  if n == 0 or n % 40 ~= 0 or n > ${MAX_SECRETS * MAC_HEX} then return false end
  local mine = macs(pads, canon(prefix, name, c))
  for i = 1, string.len(mine), 40 do
    local want = string.sub(mine, i, i + 39)
    for j = 1, n, 40 do if string.sub(c[8], j, j + 39) == want then return true end end
  end
  return false
end
local function isEmpty(c)
  for i = 1, 6 do if c[i] ~= '' then return false end end
  return true
end
local function isInt(s)
  return string.len(s) <= 16 and string.match(s, '^%d+$') ~= nil
end
-- A record the replicas accept: known state, generation in 1..maxGen, open period ending at most
-- maxOpenMs from now, bounded texts. Anything else is overwritten by the next write.
local function valid(c, now, maxOpenMs, maxGen)
  if c[1] ~= 'closed' and c[1] ~= 'open' and c[1] ~= 'isolated' then return false end
  if not isInt(c[2]) or not isInt(c[3]) or not isInt(c[5]) then return false end
  local g = tonumber(c[2])
  local ou = tonumber(c[3])
  if g < 1 or g > maxGen then return false end
  if (c[1] == 'open') ~= (ou > 0) then return false end
  if ou > now + maxOpenMs then return false end
  return string.len(c[4]) <= ${MAX_TEXT} and string.len(c[6]) <= ${MAX_TEXT}
end
-- The probe lease's holder; false when there is none or the key is not a string (never an error).
local function leaseHolder(k)
  if redis.call('TYPE', k).ok ~= 'string' then return false end
  return redis.call('GET', k)
end
local function reply(status, now, c, extra)
  return {status, fmt(now), c[1], c[2], c[3], c[4], c[5], c[6], fmt(extra), c[7] or '', c[8] or ''}
end
`;

/**
 * A transition. KEYS: state, votes, probe, counts. ARGV: expectedGen, proposedGen, state, reason,
 * origin, openMs, ttlMs, quorum, kind ('trip' | 'probe' | 'manual' | 'restore' | 'aggregate' |
 * 'force'), channel, prefix, name, maxOpenMs, maxGen, onlyFromState ('' = any), openAttempt (optional:
 * the breaker's open attempt, stored with an open state so every replica grows the same open period).
 *
 * 'trip' with quorum > 1 first casts this replica's vote (expiring with the open period) and only
 * proceeds when enough unexpired votes exist ('voted' otherwise). The write is a compare-and-set:
 * it happens only when the stored generation is the one the caller last saw ('conflict' with the
 * stored state otherwise). 'force' (operator reset / release) skips the compare. A stored record
 * no replica would accept (see `valid`) never blocks a write: it is overwritten. The new
 * generation is max(stored + 1, proposed) so fleet and local generations stay aligned (back to 1
 * past MAXGEN; `sequenceGen`, core's `sequenceGeneration`). The transition is published in the
 * same script, so it is never written without being announced; the message is only a hint to
 * re-read the hash.
 */
export const TRANSITION_LUA = `${PRELUDE}
local now = nowMs()
local origin = ARGV[5]
local openMs = tonumber(ARGV[6])
local kind = ARGV[9]
local votes = 0
if kind == 'trip' and tonumber(ARGV[8]) > 1 then
  redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
  redis.call('ZADD', KEYS[2], now + openMs, origin)
  redis.call('PEXPIRE', KEYS[2], openMs)
  votes = redis.call('ZCARD', KEYS[2])
  if votes < tonumber(ARGV[8]) then return reply('voted', now, stored(KEYS[1]), votes) end
end
local c = stored(KEYS[1])
if ARGV[15] ~= '' and c[1] ~= ARGV[15] then return reply('conflict', now, c, votes) end
local expected = tonumber(ARGV[1])
local cur = 0
local pads = ARGV[17] or ''
if not isEmpty(c) then
  if valid(c, now, tonumber(ARGV[13]), tonumber(ARGV[14])) and signed(pads, ARGV[11], ARGV[12], c) then
    cur = tonumber(c[2])
  else
    cur = -1
  end
end
if cur >= 0 and cur ~= expected and kind ~= 'force' then return reply('conflict', now, c, votes) end
if cur < 0 then cur = math.max(0, expected) end
local gen = sequenceGen(cur, tonumber(ARGV[2]), MAXGEN)
local state = ARGV[3]
local openUntil = 0
if state == 'open' then openUntil = now + openMs end
local attempt = tonumber(ARGV[16]) or 0
if state ~= 'open' then attempt = 0 end
local rec = {state, fmt(gen), fmt(openUntil), ARGV[4], fmt(now), origin, fmt(attempt), ''}
rec[8] = macs(pads, canon(ARGV[11], ARGV[12], rec))
redis.call('HSET', KEYS[1], 'state', state, 'gen', rec[2], 'openUntil', rec[3], 'reason', ARGV[4], 'at', rec[5],
  'origin', origin, 'attempt', rec[7])
if rec[8] ~= '' then redis.call('HSET', KEYS[1], 'mac', rec[8]) else redis.call('HDEL', KEYS[1], 'mac') end
if state == 'isolated' then
  redis.call('PERSIST', KEYS[1])
else
  redis.call('PEXPIRE', KEYS[1], math.max(tonumber(ARGV[7]), openMs * 2))
end
if state ~= 'open' or leaseHolder(KEYS[3]) == origin then redis.call('DEL', KEYS[3]) end
if state ~= 'open' then redis.call('DEL', KEYS[2]) end
redis.call('DEL', KEYS[4])
local msg = '{"v":1,"p":' .. cjson.encode(ARGV[11]) .. ',"n":' .. cjson.encode(ARGV[12]) .. ',"s":"' .. state ..
  '","g":' .. fmt(gen) .. ',"u":' .. fmt(openUntil) .. ',"t":' .. fmt(now) .. ',"r":' .. cjson.encode(ARGV[4]) ..
  ',"o":' .. cjson.encode(origin) .. ',"q":' .. fmt(votes) .. ',"a":' .. rec[7]
if rec[8] ~= '' then msg = msg .. ',"m":"' .. rec[8] .. '"' end
redis.call('PUBLISH', ARGV[10], msg .. '}')
return reply('ok', now, rec, votes)
`;

/**
 * Races for the fleet probe lease. KEYS: state, probe. ARGV: instanceId, leaseMs, earlyMs,
 * maxOpenMs, maxGen, pads ('' = unsigned), prefix, name. 'state': the fleet is not open any more;
 * 'invalid': the record is one no replica accepts (implausible, or not signed with a known key);
 * 'wait': still open for `extra` ms; 'granted': lease held for `extra` ms;
 * 'held': another replica holds it for `extra` more ms. The lease may be taken up to earlyMs
 * before the open period ends (its holder still waits for its own breaker's open period), so the
 * replica that opened the fleet probes on its first call after it.
 */
export const ACQUIRE_LUA = `${PRELUDE}
local now = nowMs()
local c = stored(KEYS[1])
if not isEmpty(c) and not signed(ARGV[6] or '', ARGV[7], ARGV[8], c) then return reply('invalid', now, c, 0) end
if c[1] ~= 'open' then return reply('state', now, c, 0) end
if not valid(c, now, tonumber(ARGV[4]), tonumber(ARGV[5])) then return reply('invalid', now, c, 0) end
local ou = tonumber(c[3])
if ou > now + tonumber(ARGV[3]) then return reply('wait', now, c, ou - now - tonumber(ARGV[3])) end
-- A lease no store writes (not a string, no expiry, or longer than max(2 x leaseMs, 60 s)) would
-- keep every replica from probing for as long as it lives: take it over.
local lt = redis.call('TYPE', KEYS[2]).ok
if lt ~= 'none' then
  local pttl = redis.call('PTTL', KEYS[2])
  if lt ~= 'string' or pttl < 0 or pttl > math.max(2 * tonumber(ARGV[2]), 60000) then redis.call('DEL', KEYS[2]) end
end
if redis.call('SET', KEYS[2], ARGV[1], 'NX', 'PX', ARGV[2]) then return reply('granted', now, c, ARGV[2]) end
if redis.call('GET', KEYS[2]) == ARGV[1] then
  redis.call('PEXPIRE', KEYS[2], ARGV[2])
  return reply('granted', now, c, ARGV[2])
end
return reply('held', now, c, redis.call('PTTL', KEYS[2]))
`;

/** Releases the probe lease if this instance holds it. KEYS: probe. ARGV: instanceId. */
export const RELEASE_LUA = `
if redis.call('TYPE', KEYS[1]).ok == 'string' and redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
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
return reply('read', now, c, fmt(votes) .. '|' .. holder)
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
  if n > 0 then redis.call('HINCRBY', KEYS[1], string.format('%.0f', b) .. ':' .. k, n) end
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
local function fmt(n) return string.format('%.0f', n) end
return {fmt(now), fmt(sum.s), fmt(sum.f), fmt(sum.w)}
`;

/**
 * The stored generation of each state hash in KEYS: '' when missing, '?' when the key has the
 * wrong type. One command for all of a replica's breakers (the cheap version check).
 */
export const GENS_LUA = `
local out = {}
for i = 1, #KEYS do
  local ok, g = pcall(redis.call, 'HGET', KEYS[i], 'gen')
  if not ok then out[i] = '?' elseif type(g) ~= 'string' then out[i] = '' else out[i] = g end
end
return out
`;

/** Names under which the scripts are defined on a connection (ioredis `defineCommand`). */
export const SCRIPTS = {
  bwTransition: { lua: TRANSITION_LUA, numberOfKeys: 4 },
  bwAcquire: { lua: ACQUIRE_LUA, numberOfKeys: 2 },
  bwRelease: { lua: RELEASE_LUA, numberOfKeys: 1 },
  bwRead: { lua: READ_LUA, numberOfKeys: 3 },
  bwAggregate: { lua: AGGREGATE_LUA, numberOfKeys: 1 },
  bwGens: { lua: GENS_LUA, numberOfKeys: undefined },
} as const;
