"""The Redis store's Lua scripts (core.redis_store): each runs alone in Redis, so a check and the writes
it decides are one atomic step.  Key names are built from the table's owners key inside a script (a
row's old unique fields are known only there): one Redis, not Redis Cluster."""

from __future__ import annotations

# Lua: a row's unique values (its entry in the owners hash) freed in their indexes, where they still
# point at the row; the entry (nil if none), which the caller deletes or replaces.
DROP_OWNED = """
local function drop_owned(owners, key)
  local old = redis.call('HGET', owners, key)
  if old then
    local was = cmsgpack.unpack(old)
    for j = 1, #was, 2 do
      local index = owners .. ':' .. was[j]
      if redis.call('HGET', index, was[j + 1]) == key then redis.call('HDEL', index, was[j + 1]) end
    end
  end
  return old
end
"""

# Lua: a counter's value after HINCRBY, as text (ids can pass 2^53, where Lua's numbers are inexact:
# HINCRBY's integer reaches Lua as a double, exact below 2^53; past it, read back as text).
EXACT = """
local function exact(n, hash, field)
  if n < 9007199254740992 and n > -9007199254740992 then return string.format('%d', n) end
  return redis.call('HGET', hash, field)
end
"""

# KEYS: rows, order, owners, namespace's key set, namespaces set, the table's generation, the keys chosen and not
# written yet (BUMP_ID_IF_ABSENT).
# ARGV: namespace, table name, "1" for an update, row key, record, then field, value pairs (the first three the
# same for every call on a table: packed once, core.redis_table).
# {field, record} taken, or the table's generation after the write.  The generation (INCR: 1 on a table's first
# write since it was created or cleared, when its keys are listed) is also the new row's place in the order:
# it moves at every write and delete, so it only grows while the order exists (both go in one clear), and a
# table written by an earlier version (places from a per-table counter, never above the generation) keeps its order.
WRITE = DROP_OWNED + """
local rows, order, owners, nskeys, gen = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[6]
local key, update = ARGV[4], ARGV[3] == '1'
for i = 6, #ARGV, 2 do
  local taken = redis.call('HGET', owners .. ':' .. ARGV[i], ARGV[i + 1])
  if taken and (not update or taken ~= key) then
    -- An insert refused: a key chosen for it (BUMP_ID_IF_ABSENT) is given back, or the mark would outlive the
    -- request (one field per refused create, until a clear).  No counter hands the key out again.
    if not update then redis.call('HDEL', KEYS[7], key) end
    return {ARGV[i], redis.call('HGET', rows, taken)}
  end
end
local old = false
if update then
  old = drop_owned(owners, key)
  redis.call('HSET', rows, key, ARGV[5])
elseif redis.call('HSETNX', rows, key, ARGV[5]) == 0 then  -- an insert: the row is new or refused
  redis.call('HDEL', KEYS[7], key)  -- the row is there: a mark on its key has nothing left to guard
  return {'id', redis.call('HGET', rows, key)}
else
  redis.call('HDEL', KEYS[7], key)  -- chosen by BUMP_ID_IF_ABSENT (if it was): written now
end
local now = redis.call('INCR', gen)
if not update or not redis.call('ZSCORE', order, key) then redis.call('ZADD', order, now, key) end
local owned = {}
for i = 6, #ARGV, 2 do
  local index = owners .. ':' .. ARGV[i]
  redis.call('HSET', index, ARGV[i + 1], key)
  redis.call('SADD', nskeys, index)
  owned[#owned + 1] = ARGV[i]
  owned[#owned + 1] = ARGV[i + 1]
end
if #owned > 0 then redis.call('HSET', owners, key, cmsgpack.pack(owned)) elseif old then redis.call('HDEL', owners, key) end
if now == 1 then  -- the table's first write since it was created or cleared
  redis.call('SADD', nskeys, rows, order, owners, gen)
  redis.call('SADD', KEYS[5], ARGV[1])
end
return now
"""

# KEYS: rows, order, owners, the table's generation.  ARGV: row key.  {the removed record or false, generation after}.
DELETE = DROP_OWNED + """
local rows, order, owners, key = KEYS[1], KEYS[2], KEYS[3], ARGV[1]
if drop_owned(owners, key) then redis.call('HDEL', owners, key) end
local record = redis.call('HGET', rows, key)
if not record then return {false, false} end
redis.call('HDEL', rows, key)
redis.call('ZREM', order, key)
return {record, redis.call('INCR', KEYS[4])}
"""

# KEYS: rows, owners.  ARGV: row key to ignore ("" for none), then field, value pairs.  {field, record} or nil.
CONFLICT = """
for i = 2, #ARGV, 2 do
  local taken = redis.call('HGET', KEYS[2] .. ':' .. ARGV[i], ARGV[i + 1])
  if taken and taken ~= ARGV[1] then return {ARGV[i], redis.call('HGET', KEYS[1], taken)} end
end
return false
"""

# KEYS: rows, owners.  ARGV: field, value.  The record, or nil.
FIND = """
local key = redis.call('HGET', KEYS[2] .. ':' .. ARGV[1], ARGV[2])
if key then return redis.call('HGET', KEYS[1], key) end
return false
"""

# KEYS: rows, order.  Records in insertion order.
VALUES = """
local keys = redis.call('ZRANGE', KEYS[2], 0, -1)
local out = {}
for i = 1, #keys, 4000 do
  local part = redis.call('HMGET', KEYS[1], unpack(keys, i, math.min(i + 3999, #keys)))
  for j = 1, #part do out[#out + 1] = part[j] end
end
return out
"""

# Lua, first in each counter script (KEYS: counters, namespace's key set, namespaces set; ARGV[1]: namespace):
# a counters hash is listed in its namespace's key set, and the namespace in the set of namespaces, when it is
# created; a clear unlinks it with the set's other keys, a drop with the namespace: while it exists, both hold.
LISTED = """
if redis.call('EXISTS', KEYS[1]) == 0 then
  redis.call('SADD', KEYS[2], KEYS[1])
  redis.call('SADD', KEYS[3], ARGV[1])
end
"""

# KEYS: counters, namespace's key set, namespaces set.  ARGV: namespace, name, start | at_least.
# Ids can pass 2^53 (a vendor's 19-digit ids), where Lua's numbers are inexact: the arithmetic is
# HINCRBY's (64-bit), "start - 1" comes from Python, and two ids compare as decimal texts.
NEXT_ID = LISTED + EXACT + """
redis.call('HSETNX', KEYS[1], ARGV[2], ARGV[3])
return exact(redis.call('HINCRBY', KEYS[1], ARGV[2], 1), KEYS[1], ARGV[2])
"""

BELOW = """
local function below(a, b)  -- a <= b, for decimal integer texts of any size
  local na, nb = a:sub(1, 1) == '-', b:sub(1, 1) == '-'
  if na ~= nb then return na end
  if na then a, b = b:sub(2), a:sub(2) end
  if #a ~= #b then return #a < #b end
  return a <= b
end
"""

BUMP_ID = LISTED + BELOW + """
local now = redis.call('HGET', KEYS[1], ARGV[2])
if not now or below(now, ARGV[3]) then redis.call('HSET', KEYS[1], ARGV[2], ARGV[3]) end
return 0
"""

# ARGV: namespace, name, at_least - 1.  BUMP_ID then NEXT_ID (VendorContext.next_id_at_least): the larger of
# at_least and one past the last id given, as text.
NEXT_ID_AT_LEAST = LISTED + BELOW + EXACT + """
local now = redis.call('HGET', KEYS[1], ARGV[2])
if not now or below(now, ARGV[3]) then redis.call('HSET', KEYS[1], ARGV[2], ARGV[3]) end
return exact(redis.call('HINCRBY', KEYS[1], ARGV[2], 1), KEYS[1], ARGV[2])
"""

# KEYS: counters, namespace's key set, namespaces set, rows, the keys chosen and not written yet.  ARGV: namespace,
# name, at_least ("" for none), row key.  1 if the row is there, or was chosen here and not written yet (nothing
# moved), else the key is marked chosen (WRITE unmarks it), BUMP_ID's move made (when at_least is given) and 0
# (VendorContext.bump_id_if_absent).  The mark makes the check and the choice one step: two requests (two
# workers, or two of one turn) that were both given the id check it once each, and only the first gets it.
BUMP_ID_IF_ABSENT = BELOW + """
if redis.call('HEXISTS', KEYS[4], ARGV[4]) == 1 then return 1 end
if redis.call('HSETNX', KEYS[5], ARGV[4], 1) == 0 then return 1 end
redis.call('SADD', KEYS[2], KEYS[5])  -- a clear or a drop of the namespace takes it along
if ARGV[3] == '' then return 0 end
if redis.call('EXISTS', KEYS[1]) == 0 then
  redis.call('SADD', KEYS[2], KEYS[1])
  redis.call('SADD', KEYS[3], ARGV[1])
end
local now = redis.call('HGET', KEYS[1], ARGV[2])
if not now or below(now, ARGV[3]) then redis.call('HSET', KEYS[1], ARGV[2], ARGV[3]) end
return 0
"""

# KEYS: counters, namespace's key set, namespaces set, rows, the keys chosen and not written yet.  ARGV: namespace,
# name, at_least - 1.  NEXT_ID_AT_LEAST, then BUMP_ID_IF_ABSENT of the row keyed by that id (an int key: its packed
# form is its decimal text, as HGET reads the counter) with no counter to move: "<id> 0" when the row is absent and
# was not chosen (it is marked chosen now), "<id> 1" when it is taken (VendorContext.next_id_at_least_if_absent).
# AT_LEAST_IF_ABSENT is that step as a Lua function, for NEXT_ID_DRAW_AND_ID_IF_FREE too.
AT_LEAST_IF_ABSENT = """
local function at_least_if_absent(counters, name, at_least, rows, chosen, keyset)
  local now = redis.call('HGET', counters, name)
  if not now or below(now, at_least) then redis.call('HSET', counters, name, at_least) end
  local id = exact(redis.call('HINCRBY', counters, name, 1), counters, name)
  if redis.call('HEXISTS', rows, id) == 1 or redis.call('HSETNX', chosen, id, 1) == 0 then return id .. ' 1' end
  redis.call('SADD', keyset, chosen)  -- a clear or a drop of the namespace takes it along
  return id .. ' 0'
end
"""
NEXT_ID_AT_LEAST_IF_ABSENT = LISTED + BELOW + EXACT + AT_LEAST_IF_ABSENT + """
return at_least_if_absent(KEYS[1], ARGV[2], ARGV[3], KEYS[4], KEYS[5], KEYS[2])
"""

# KEYS: counters, namespace's key set, namespaces set.  ARGV: namespace, name, by.  The value after.
INCR = LISTED + EXACT + """
return exact(redis.call('HINCRBY', KEYS[1], ARGV[2], ARGV[3]), KEYS[1], ARGV[2])
"""

SET_COUNTER = LISTED + """
redis.call('HSET', KEYS[1], ARGV[2], ARGV[3])
return 0
"""

# KEYS: namespace's key set, namespaces set.  ARGV: namespace, "1" to drop it (else emptied, still listed).
CLEAR = """
local keys = redis.call('SMEMBERS', KEYS[1])
for i = 1, #keys, 4000 do redis.call('UNLINK', unpack(keys, i, math.min(i + 3999, #keys))) end
redis.call('UNLINK', KEYS[1])
if ARGV[2] == '1' then redis.call('SREM', KEYS[2], ARGV[1]) end
return #keys
"""


# KEYS: stream.  ARGV: the cap, then packed row, session pairs.  The journal's rows in one call where Redis
# refuses CLIENT REPLY (core.redis_journal: the rows go in as plain XADDs wherever it is allowed, since every
# argument a script is given costs Redis a hash of all its bytes, and a row is ~1-3 KB).
JOURNAL_PUT = """for i = 2, #ARGV, 2 do
redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], '0-*', 'n', ARGV[i + 1], 'r', ARGV[i])
end
return 0"""

# KEYS: stream, an earlier version's seq counter.  A journal written by an earlier version (auto ids, each row's
# seq in its field "s", the last seq given in a counter) made what this one writes: each row re-added under the id
# 0-<its seq>, and the stream's last id made the counter's, so the next row's seq follows the last one given (the
# id of a row added and removed at once: XDEL keeps a stream's last id).  The number of rows kept, -1 if there was
# nothing to convert (run by every worker at start-up: only the first finds any).
JOURNAL_CONVERT = """local last = redis.call('GET', KEYS[2])
local newest = redis.call('XREVRANGE', KEYS[1], '+', '-', 'COUNT', 1)
if not last and (#newest == 0 or string.sub(newest[1][1], 1, 2) == '0-') then return -1 end
local entries = redis.call('XRANGE', KEYS[1], '-', '+')
redis.call('DEL', KEYS[1], KEYS[2])
local top = 0
for _, entry in ipairs(entries) do
  local f = {}
  for i = 1, #entry[2], 2 do f[entry[2][i]] = entry[2][i + 1] end
  if f.s and f.r and tonumber(f.s) > top then
    redis.call('XADD', KEYS[1], '0-' .. f.s, 'n', f.n or '', 'r', f.r)
    top = tonumber(f.s)
  end
end
if last and tonumber(last) > top then
  redis.call('XDEL', KEYS[1], redis.call('XADD', KEYS[1], '0-' .. last, 'n', '', 'r', ''))
end
return #entries"""

# KEYS: rows, owners, counters, namespace's key set, namespaces set.  ARGV: namespace, name, start - 1, the step
# (1 for an id; n for n ids taken at once: VendorContext.draw_and_count_if_free), a counter to move by one with the
# id ("" for none: a draw's, VendorContext.next_id_and_draw_if_free), then field, value pairs.
# {field, record} if a value is taken (no id taken, no counter moved), else the next id (as text: NEXT_ID's),
# followed by " " and the counter's value after it moved when one is named.  CLAIM is that step as a Lua function (its
# pairs from ARGV[first]), returning the id and the counter's value apart, for NEXT_ID_DRAW_AND_ID_IF_FREE.
CLAIM = """
local function claim(first)
  for i = first, #ARGV, 2 do
    local taken = redis.call('HGET', KEYS[2] .. ':' .. ARGV[i], ARGV[i + 1])
    if taken then return {ARGV[i], redis.call('HGET', KEYS[1], taken)} end
  end
  if redis.call('EXISTS', KEYS[3]) == 0 then
    redis.call('SADD', KEYS[4], KEYS[3])
    redis.call('SADD', KEYS[5], ARGV[1])
  end
  redis.call('HSETNX', KEYS[3], ARGV[2], ARGV[3])
  local id = exact(redis.call('HINCRBY', KEYS[3], ARGV[2], ARGV[4]), KEYS[3], ARGV[2])
  if ARGV[5] == '' then return id end
  return id, exact(redis.call('HINCRBY', KEYS[3], ARGV[5], 1), KEYS[3], ARGV[5])
end
"""
NEXT_ID_IF_FREE = EXACT + CLAIM + """
local id, count = claim(6)
if not count then return id end
return id .. ' ' .. count
"""


def _limbs(number: int) -> str:
    """A 64-bit constant as DRAW's Lua limbs: low 16 bits, ..., high 16 bits."""
    return ", ".join(str(number >> shift & 0xFFFF) for shift in (0, 16, 32, 48))


# Lua: core.seeding's Draw in Redis, the same 64-bit arithmetic (splitmix64) on four 16-bit limbs in Lua's doubles
# (every partial product and sum below 2^53, so exact; bit.bxor on limbs), in locals: a table per step cost ~15 us a
# draw, these ~5.  drawn_low(s1, s2, s3, s4, key, bits): the low ``bits`` (at most 32) of the first value of
# Draw.from_state(state, key), i.e. its ``below(2 ** bits)``; the state as limbs, ``key`` a number below 2^53.
# from_state's sum is not masked before its first shift: its 65th bit (``top``) reaches the shifted value.
DRAW = f"""
local B, bxor = 65536, bit.bxor
local G1, G2, G3, G4 = {_limbs(0x9E3779B97F4A7C15)}
local function mulc(a1, a2, a3, a4, c1, c2, c3, c4)  -- a * c mod 2^64
  local s = a1 * c1
  local t1 = s % B
  s = (s - t1) / B + a1 * c2 + a2 * c1
  local t2 = s % B
  s = (s - t2) / B + a1 * c3 + a2 * c2 + a3 * c1
  local t3 = s % B
  s = (s - t3) / B + a1 * c4 + a2 * c3 + a3 * c2 + a4 * c1
  return t1, t2, t3, s % B
end
local function xorshr(a1, a2, a3, a4, top, r)  -- a xor ((top * 2^64 + a) >> (16 + r)), mod 2^64
  local p = 2 ^ r
  local q = B / p
  return bxor(a1, (a2 - a2 % p) / p + a3 % p * q), bxor(a2, (a3 - a3 % p) / p + a4 % p * q),
         bxor(a3, (a4 - a4 % p) / p + top % p * q), a4
end
local function mix(a1, a2, a3, a4, top)  -- (a call amid arguments gives one value: each result is named first)
  a1, a2, a3, a4 = xorshr(a1, a2, a3, a4, top, 14)
  a1, a2, a3, a4 = mulc(a1, a2, a3, a4, {_limbs(0xBF58476D1CE4E5B9)})
  a1, a2, a3, a4 = xorshr(a1, a2, a3, a4, 0, 11)
  a1, a2, a3, a4 = mulc(a1, a2, a3, a4, {_limbs(0x94D049BB133111EB)})
  return xorshr(a1, a2, a3, a4, 0, 15)
end
local function drawn_low(s1, s2, s3, s4, key, bits)
  local k1 = key % B
  key = (key - k1) / B
  local k2 = key % B
  key = (key - k2) / B
  local k3 = key % B
  local k4 = (key - k3) / B
  local a1, a2, a3, a4 = bxor(s1, k1) + G1, bxor(s2, k2) + G2, bxor(s3, k3) + G3, bxor(s4, k4) + G4
  local c = (a1 - a1 % B) / B
  a1, a2 = a1 % B, a2 + c
  c = (a2 - a2 % B) / B
  a2, a3 = a2 % B, a3 + c
  c = (a3 - a3 % B) / B
  a3, a4 = a3 % B, a4 + c
  c = (a4 - a4 % B) / B
  a1, a2, a3, a4 = mix(a1, a2, a3, a4 % B, c)
  a1, a2, a3, a4 = a1 + G1, a2 + G2, a3 + G3, a4 + G4  -- next(): + GOLDEN, masked
  c = (a1 - a1 % B) / B
  a1, a2 = a1 % B, a2 + c
  c = (a2 - a2 % B) / B
  a2, a3 = a2 % B, a3 + c
  c = (a3 - a3 % B) / B
  a3, a4 = a3 % B, (a4 + c) % B
  a1, a2 = mix(a1, a2, a3, a4, 0)
  return (a1 + a2 * B) % 2 ^ bits
end
"""

# Lua: a decimal text (up to 19 digits) plus a whole number below 2^32, as text.
PLUS = """
local function plus(text, n)
  local high, low = text:sub(1, -10), tonumber(text:sub(-9)) + n
  high = (tonumber(high) or 0) + math.floor(low / 1e9)
  if high == 0 then return string.format('%d', low % 1e9) end
  return string.format('%d%09d', high, low % 1e9)
end
"""

# KEYS: NEXT_ID_IF_FREE's, then the rows' keys chosen and not written yet.  ARGV: NEXT_ID_IF_FREE's first five (the
# counter: a draw's), then a second sequence's name, the draw's state as four 16-bit limbs (Seeder.state), bits; the
# counter's value the caller expects, at_least - 1 made from that value's draw, base - 1; then the field, value pairs.
# NEXT_ID_IF_FREE, then an id at least base + the low ``bits`` of the draw of the counter's new value, made in the
# second sequence and checked absent from the rows (NEXT_ID_AT_LEAST_IF_ABSENT): "<id> <count> <second id> 0|1"
# (VendorContext.next_id_draw_and_id_if_free).  The caller's at_least is used when the counter moved to the value it
# expected (it made the same draw); else the draw is made here (DRAW: ~5 us of Lua).
NEXT_ID_DRAW_AND_ID_IF_FREE = BELOW + EXACT + CLAIM + AT_LEAST_IF_ABSENT + DRAW + PLUS + """
local id, count = claim(15)
if not count then return id end
local at_least = ARGV[13]
if count ~= ARGV[12] then
  at_least = plus(ARGV[14], drawn_low(tonumber(ARGV[7]), tonumber(ARGV[8]), tonumber(ARGV[9]), tonumber(ARGV[10]),
                                      tonumber(count) - 1, tonumber(ARGV[11])))
end
return id .. ' ' .. count .. ' ' .. at_least_if_absent(KEYS[3], ARGV[6], at_least, KEYS[1], KEYS[6], KEYS[4])
"""
