"""The Redis store's keys and its Lua scripts (each runs atomically inside Redis).

Fencing: a session's lease is ``<worker>|<fence>``, where the fence is a counter increased at every
acquisition. Every write a holder makes (checkpoint, event, history, end) goes through a script
that first checks the lease still holds exactly that value, so a stalled old holder (a paused VM,
a worker that lost Redis for a while) can never write after another worker took over.
"""

from __future__ import annotations

PREFIX = "bl:"


def meta(sid: str) -> str:  # HASH: config, owner (token hash), room, client, created
    return f"{PREFIX}s:{{{sid}}}"


def lease(sid: str) -> str:  # STRING "<worker>|<fence>" with a time to live
    return f"{PREFIX}lease:{{{sid}}}"


def fence(sid: str) -> str:  # INT, increased at every acquisition
    return f"{PREFIX}fence:{{{sid}}}"


def ckpt(sid: str) -> str:  # HASH: "state" (engine.checkpoint JSON, no history, + play state), "step"
    return f"{PREFIX}ckpt:{{{sid}}}"


def hist(sid: str) -> str:  # LIST of MetricsOut JSON, appended per event, compacted by the holder
    return f"{PREFIX}hist:{{{sid}}}"


def events(sid: str) -> str:  # STREAM of events: field "e" = the SessionEvent JSON
    return f"{PREFIX}ev:{{{sid}}}"


def gone(sid: str) -> str:  # STRING: JSON {reason, next_session, room} of an ended session
    return f"{PREFIX}gone:{{{sid}}}"


def viewers(sid: str) -> str:  # HASH worker -> open streams of this session on that worker
    return f"{PREFIX}viewers:{{{sid}}}"


def room(code: str) -> str:  # HASH owner (token hash), current (session id)
    return f"{PREFIX}room:{code}"


def client_sessions(address: str) -> str:  # SET of session ids created from an address
    return f"{PREFIX}client:{address}"


def client_playing(address: str) -> str:  # SET of playing session ids created from an address
    return f"{PREFIX}playing:{address}"


def alive(worker: str) -> str:  # STRING with a short time to live, refreshed by the worker
    return f"{PREFIX}alive:{worker}"


def worker_streams(worker: str) -> str:  # HASH client address -> open streams on that worker
    return f"{PREFIX}streams:{worker}"


def commands(worker: str) -> str:  # pub/sub channel: requests for the sessions a worker trains
    return f"{PREFIX}cmd:{worker}"


def replies(worker: str) -> str:  # pub/sub channel: answers to a worker's requests
    return f"{PREFIX}reply:{worker}"


SESSIONS = PREFIX + "sessions"  # ZSET session id -> last use (ms): counting, LRU eviction, expiry
PLAYING = PREFIX + "playing"  # SET of playing session ids (a worker adopts those nobody trains)
WORKERS = PREFIX + "workers"  # SET of worker ids (dead ones are cleaned up by the living)

ACQUIRE = """
if redis.call('EXISTS', KEYS[1]) == 1 then return false end
local f = redis.call('INCR', KEYS[2])
redis.call('SET', KEYS[1], ARGV[1] .. '|' .. f, 'PX', ARGV[2])
return f
"""

RENEW = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0
"""

RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""

# Events of any sessions, in order, each with its metrics, the play state and the step it shows, in
# one call (the holder's outbox sends whatever its training threads queued since its last call); each
# event fenced on its own, with a checkpoint only now and then (its "state"; '' keeps the older one):
# whoever takes over restores that one and recomputes silently up to "step", the last step the
# viewers saw (training is deterministic), so a checkpoint need not go with every event.
# KEYS, 7 per event: lease, ckpt, events, hist, PLAYING, client_playing, SESSIONS
# ARGV, per event: how many arguments follow, then: lease value, checkpoint or '', event JSON, event
#       kind, stream max length, reset?, playing?, session id, now ms, step, the history entries to append
# Returns per event the history's length, or -1: FENCED (the lease is not that value: nothing written).
PUBLISH = """
local out, a = {}, 0
for e = 0, #KEYS / 7 - 1 do
  local K, n = e * 7, tonumber(ARGV[a + 1])
  local function arg(i) return ARGV[a + 1 + i] end
  if redis.call('GET', KEYS[K + 1]) ~= arg(1) then
    out[#out + 1] = -1
  else
    if arg(2) ~= '' then redis.call('HSET', KEYS[K + 2], 'state', arg(2)) end
    redis.call('HSET', KEYS[K + 2], 'step', arg(10))
    if arg(6) == '1' then redis.call('DEL', KEYS[K + 4]) end
    for i = 11, n do redis.call('RPUSH', KEYS[K + 4], arg(i)) end
    if arg(7) == '1' then
      redis.call('SADD', KEYS[K + 5], arg(8)); redis.call('SADD', KEYS[K + 6], arg(8))
    else
      redis.call('SREM', KEYS[K + 5], arg(8)); redis.call('SREM', KEYS[K + 6], arg(8))
    end
    redis.call('ZADD', KEYS[K + 7], 'XX', arg(9), arg(8))
    redis.call('XADD', KEYS[K + 3], 'MAXLEN', '~', arg(5), '*', 'k', arg(4), 'e', arg(3))
    out[#out + 1] = redis.call('LLEN', KEYS[K + 4])
  end
  a = a + 1 + n
end
return out
"""

# KEYS: lease, hist; ARGV: lease value, then the entries
REWRITE_HISTORY = """
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return redis.error_reply('FENCED') end
redis.call('DEL', KEYS[2])
for i = 2, #ARGV do redis.call('RPUSH', KEYS[2], ARGV[i]) end
return 1
"""

# KEYS: lease, meta, ckpt, hist, events, gone, SESSIONS, PLAYING, client_sessions, client_playing, viewers
# ARGV: lease value, gone JSON, session id, end event JSON, gone ttl s, events ttl s
END = """
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return redis.error_reply('FENCED') end
redis.call('XADD', KEYS[5], '*', 'k', 'end', 'e', ARGV[4])
redis.call('EXPIRE', KEYS[5], ARGV[6])
redis.call('SET', KEYS[6], ARGV[2], 'EX', ARGV[5])
redis.call('DEL', KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[11])
redis.call('ZREM', KEYS[7], ARGV[3])
for i = 8, 10 do redis.call('SREM', KEYS[i], ARGV[3]) end
return 1
"""

# Take a stream slot if the session, the client and the service all have room for one. Counts of
# workers that are gone (no alive key) do not count.
# KEYS: viewers(sid), this worker's streams hash, then the other live workers' streams hashes
# ARGV: worker, client address, max viewers per session, max streams per client, max streams, prefix
RESERVE_STREAM = """
local viewers = 0
local counts = redis.call('HGETALL', KEYS[1])
for i = 1, #counts, 2 do
  if redis.call('EXISTS', ARGV[6] .. 'alive:' .. counts[i]) == 1 then
    viewers = viewers + tonumber(counts[i + 1])
  else
    redis.call('HDEL', KEYS[1], counts[i])
  end
end
if viewers >= tonumber(ARGV[3]) then return {'max_viewers_per_session', viewers} end
local mine, total = 0, 0
for i = 2, #KEYS do
  mine = mine + tonumber(redis.call('HGET', KEYS[i], ARGV[2]) or '0')
  total = total + tonumber(redis.call('HGET', KEYS[i], '*') or '0')
end
if mine >= tonumber(ARGV[4]) then return {'max_streams_per_client', mine} end
if total >= tonumber(ARGV[5]) then return {'max_streams', total} end
redis.call('HINCRBY', KEYS[1], ARGV[1], 1)
redis.call('HINCRBY', KEYS[2], ARGV[2], 1)
redis.call('HINCRBY', KEYS[2], '*', 1)
return {'ok', 0}
"""

# KEYS: viewers(sid), this worker's streams; ARGV: worker, client address
RELEASE_STREAM = """
if tonumber(redis.call('HINCRBY', KEYS[1], ARGV[1], -1)) <= 0 then redis.call('HDEL', KEYS[1], ARGV[1]) end
if tonumber(redis.call('HINCRBY', KEYS[2], ARGV[2], -1)) <= 0 then redis.call('HDEL', KEYS[2], ARGV[2]) end
redis.call('HINCRBY', KEYS[2], '*', -1)
return 1
"""

# Viewers of a session on live workers (the eviction and expiry checks).
# KEYS: viewers(sid); ARGV: prefix
VIEWERS = """
local viewers = 0
local counts = redis.call('HGETALL', KEYS[1])
for i = 1, #counts, 2 do
  if redis.call('EXISTS', ARGV[1] .. 'alive:' .. counts[i]) == 1 then
    viewers = viewers + tonumber(counts[i + 1])
  end
end
return viewers
"""
