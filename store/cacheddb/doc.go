// Package cacheddb is Django's cached_db engine as a wrapper: any database
// store (store/sqlstore, or any sessionkit.Store) is the truth, and a shared
// cache (cache/rediscache, cache/memcache, any cache.Cache) holds copies, so
// that a session read costs one cache round trip and no query.
//
//	Load    cache Get; on a miss, db Load, then cache Add (refill)
//	Create  db Create, then cache Set
//	Update  db Update, then cache Set
//	Delete  db Delete, then a cache tombstone
//	Swap    db Swap (or db Load, compare, db Update under a lease in the cache), then cache Set
//	TryLock db TryLock, or a lease in the cache (Add; Unlock: CompareAndDelete)
//
// ClearExpired and UserSessions go to the database store when it has them
// (cache entries expire with their sessions); DeleteUserSessions also
// invalidates the cache entries of the sessions it deletes.
//
// # The cache may fail; sessions may not
//
// When the cache is down, slow, cut off or evicting, the store logs it
// (ERROR for a failed write, as Django ≥ 5.1 does, WARN for a failed read;
// at most one line per second for each) and serves from the database:
// no error reaches the application and no write is lost, because the
// database is written first and its errors are the only ones returned.
// After a cache error the store leaves the cache alone for
// Config.CacheBackoff (default 1 s), so an outage costs one cache timeout
// per second, not one per request; then it tries the cache again.
//
// # Never a stale session
//
// Django (every version) can serve an old session from the cache: when the
// cache write after a database write fails, the previous entry stays, and a
// later read returns it; a cache cut off from the network comes back with
// all its old entries. sessionkit cannot ask the database on every cache
// hit (that is the cost the cache exists to avoid), so it makes stale
// entries recognisable instead:
//
//  1. Every entry carries a stamp: the writer's clock just before the
//     database operation whose result it holds. An entry stamped at time s
//     is at least as new as the database was at s.
//
//  2. A fence, a time, says "entries stamped before this may be stale". A
//     cache hit stamped at or before the fence is not trusted: the store
//     reads the database, returns that, and deletes the entry (a delete
//     can never make anything staler; the next read refills it).
//
//  3. Whenever a cache write fails — a Set after a database write, a refill,
//     a tombstone — its outcome is unknown: it may not have happened (the
//     old entry stays) or it may land later (a request stuck in a cut
//     network is delivered when the network heals). Either way the process
//     raises the fence to now + 2×Config.ClockSkew before the operation
//     returns: in its own memory at once, and in the database, as a record
//     of the database store under the reserved key FenceKey, so that the
//     other processes sharing the cache learn it. The margin of ClockSkew
//     (default 1 s) covers the difference between the machines' clocks;
//     raising it by twice that lets one raise cover the failures of the
//     next ClockSkew, so an outage costs about one fence write per
//     process per second.
//
//  4. Each process reads the fence from the database every
//     Config.FenceInterval (default 1 s) in the background, and — before it
//     trusts its next cache hit — right after it has itself seen the cache
//     fail, so a process that was cut off with the others never trusts
//     what the cache kept through the cut.
//
//  5. A refill uses Add, never Set, so it cannot overwrite a newer entry
//     written concurrently by an update; a delete writes a tombstone
//     (Config.TombstoneTTL, default 1 minute) rather than removing the
//     entry, so that a refill racing the delete (it read the session just
//     before the delete) cannot bring it back; and a refill whose database
//     read took longer than a quarter of TombstoneTTL is not written.
//
// What this guarantees: the process whose cache write failed never reads the
// old entry again; nor does any process that saw the cache fail itself
// (a cut that affected everyone: a cache restart, a network partition of the
// cache); any other process stops trusting the old entry within
// FenceInterval of the failure. That last window cannot be closed without a
// database query on every hit: when one process cannot reach the cache and
// another can, the database is the only thing both see, and a hit that must
// not consult it can only learn of the failure as fast as it polls. A cache
// entry is also trusted when the cache evicts a just-written entry in the
// instant between a concurrent refill's database read and its Add; a cache
// with LRU eviction never picks an entry that new. And DeleteUserSessions
// tombstones the sessions it listed just before deleting: a session the
// user opens while it runs may be deleted from the database yet served from
// the cache until its next save fails with sessionkit.ErrNotFound.
//
// The fence costs nothing while the cache is healthy: one small database
// read per process per FenceInterval, and none on the request path. After a
// failure, every session's next read goes to the database once (and is
// deleted then refilled in the cache), for 2×ClockSkew after the last
// failure.
//
// # Concurrent saves and exclusive requests
//
// The store is a sessionkit.Swapper, so the Manager merges concurrent saves
// of one session instead of letting the last one win, and a
// sessionkit.Locker, for Manager.Exclusive. The database decides both:
//
//   - Swap uses the database store's Swap when it is a sessionkit.Swapper
//     (store/memstore; store/sqlstore). With any other, Swap takes a lease
//     on the session in the cache (Prefix + "swap:" + KeyHash of the key,
//     by Add, 15 s at most), then loads, compares and updates the database
//     record and writes the cache, and ends the lease by CompareAndDelete:
//     Swaps of one session take turns across every process sharing the
//     cache. A Swap that waits 5 s for the lease fails with an error
//     wrapping sessionkit.ErrLocked (503). While the cache is unusable
//     (within CacheBackoff of an error) the comparison runs without a
//     lease, and two saves at the same instant may lose one's changes, as
//     they always may without a Swapper.
//   - A Swap that finds the session changed (sessionkit.ErrConflict)
//     deletes its cache entry, so that the Manager's next Load, which it
//     makes to merge, reads the database. The cache writes of two
//     concurrent saves may land in the opposite order of their database
//     writes (with Update too), leaving the older version in the cache
//     until the next save; a save based on it conflicts, reads the
//     database and merges, so no change is lost.
//   - TryLock and Unlock are the database store's when it is a
//     sessionkit.Locker; otherwise the lock is a lease in the cache under
//     LockKey (Prefix + "lock:" + KeyHash of the key: never a session's
//     cache key, and it does not reveal the session key), taken by Add and
//     ended by CompareAndDelete of the token, and a cache that cannot be
//     reached is an error of TryLock.
//
// # Keys, values and Django
//
// A cache key is Config.Prefix (default "django.contrib.sessions.cached_db",
// Django's) followed by sessionkit.KeyHash of the session key, and an entry
// is sessionkit's own (a stamp, the expiry, the user, the Data), whose first
// byte is not a pickle opcode.
//
// With Config.Django the store shares sessions with Django's cached_db
// engine on the same database and cache server. The database store must be
// in Django mode (sqlstore's Config.Django) and rows hold Django's signed
// session_data, which the store encodes and decodes with Config.Codec (a
// *sessionkit.DjangoCodec with the project's SECRET_KEY); the cache holds
// Django's entries, under Django's key ("<KEY_PREFIX>:<VERSION>:" from
// Config.KeyPrefix and Config.Version, ":1:" by default, then Prefix and
// the raw session key), the session dict pickled as Django's
// PyMemcacheCache and RedisCache store it (on memcached flagged as a
// pickle: give the memcache.Cache Flags: memcache.FlagPickle). The records
// the store takes and returns hold the session as JSON, so the Manager uses
// sessionkit.JSONCodec, and a record read from the cache is the same bytes
// as one read from the database. Swap reads the row, compares its session
// as JSON and swaps the row's exact bytes. A deleted session's tombstone is
// a pickled None, which Django reads as a miss. A record read from an entry
// expires at now plus the entry's TTL on Redis, and on memcached (which
// cannot report it) at now plus the session's own age in seconds or
// Config.MaxAge: an upper bound, as the cache drops the entry at its own
// time. An entry holding anything but JSON-like data (a global, a call, an
// object) is never served: the database answers and the entry goes.
//
// Django's entries carry no stamp, so in Django mode the fence cannot tell
// an old entry from a new one: a hit is trusted, as Django trusts it,
// except within 2×ClockSkew after a cache failure this process knows of
// (its own, or the fence it read), when reads go to the database. An entry
// that a failed cache write left behind may therefore be served again after
// that, as in Django; native mode's guarantee above does not hold.
//
// The fence record lives in the database store under FenceKey, with a far
// expiry and no user. It is not a session: this store refuses FenceKey as a
// session key, and its data, a decimal number, fails any codec.
//
// # Deadlines
//
// Every write goes to the database store first, so the database store's
// own deadline bounds it (sqlstore's Config.Timeout, 5 s by default): with
// the database cut off, Create, Update and Delete fail within it instead of
// hanging. The cache writes and fence writes that follow a committed
// database write run detached from the caller's context, under a bound of
// their own (5 s), and the cache's own timeout applies to each call.
package cacheddb
