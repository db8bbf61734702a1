package sessionkit

import (
	"context"
	"errors"
	"time"
)

// Store keeps encoded sessions. It is the contract every engine implements,
// in the spirit of database/sql/driver: plain types, a few sentinel errors,
// no HTTP. Optional abilities are separate interfaces discovered by type
// assertion (ExpiredClearer, UserSessionLister, UserSessionDeleter,
// KeyValidator, KeyGenerator).
// Package storetest checks every rule written here.
//
// Keys: a server-side store holds only keys that pass ValidKey
// ([a-z0-9]{8,40}); a store with its own key format implements
// KeyValidator. For any other key every method — Load, Create, Update and
// Delete alike — returns an error wrapping ErrInvalidKey and touches
// nothing, so that a key from a cookie never reaches a file name, a query
// or a cache key unchecked. (The Manager checks keys before it calls the
// store, so it never sees that error; it is there for every other caller.)
//
// Errors: the sentinels below are wrapped with %w. A method that an
// optional interface declares but that the store cannot perform in its
// configuration returns an error wrapping errors.ErrUnsupported.
//
// Implementations must be safe for concurrent use by many goroutines.
type Store interface {
	// Load returns the record stored under key. It returns an error wrapping
	// ErrNotFound when there is no such record or it has expired; any other
	// error is a failure of the store itself.
	Load(ctx context.Context, key string) (Record, error)

	// Create stores rec under key, which must not be in use. If it is, Create
	// returns an error wrapping ErrKeyExists and the Manager retries with a
	// fresh key. It returns the key under which the record can be loaded:
	// key itself for a server-side store; a store that keeps the whole
	// session in the cookie returns the cookie value.
	Create(ctx context.Context, key string, rec Record) (string, error)

	// Update replaces the record stored under key and returns the key under
	// which it can be loaded from now on (key itself for a server-side
	// store). If the record no longer exists — deleted by a concurrent
	// logout, evicted — Update returns an error wrapping ErrNotFound and must
	// not recreate it: that is how a logged-out session stays logged out.
	// Updating a record that expired after it was loaded may succeed.
	Update(ctx context.Context, key string, rec Record) (string, error)

	// Delete removes the record stored under key. A missing record is not
	// an error.
	Delete(ctx context.Context, key string) error
}

// Record is one stored session.
type Record struct {
	// Data is the session as encoded by the Manager's Codec.
	Data []byte
	// Expiry is when the record expires: Load returns it before Expiry
	// and answers ErrNotFound after it. The Manager
	// always sets it. A zero Expiry given to Create or Update means "no
	// expiry of its own": a store with a maximum age (the signed-cookie
	// and file stores' MaxAge) applies it, and any other store refuses the
	// record with an error and stores nothing, so no record lives forever.
	// Load never returns a zero Expiry. A store may keep it to a coarser
	// precision (whole seconds).
	Expiry time.Time
	// UserID is the owner of the session ("" for none), for stores that keep
	// a per-user index (UserSessionLister). Stores without one ignore it.
	UserID string
}

// Sentinel errors of the Store contract. Stores wrap them with %w so that
// callers can match them with errors.Is.
var (
	// ErrNotFound: no record under that key, or it has expired.
	ErrNotFound = errors.New("sessionkit: session not found")
	// ErrKeyExists: Create was given a key that is already in use.
	ErrKeyExists = errors.New("sessionkit: session key already exists")
	// ErrInvalidKey: the key is not one this store can hold (for the
	// server-side stores, not [a-z0-9]{8,40}; see ValidKey and
	// KeyValidator). Every method returns it for such a key — Load,
	// Create, Update and Delete alike; see Store.
	ErrInvalidKey = errors.New("sessionkit: invalid session key")
	// ErrConflict: Swap found the record changed since it was read. The
	// Manager then merges and tries again; it reports ErrConflict only
	// when concurrent saves kept winning (503 from DefaultErrorHandler).
	ErrConflict = errors.New("sessionkit: session changed since it was read")
	// ErrLocked: an exclusive request waited Manager.LockWait for its
	// session's lock and did not get it (503 with Retry-After).
	ErrLocked = errors.New("sessionkit: session locked by another request")
	// ErrTooLarge: the session is larger than the Manager saves
	// (Manager.MaxSize) or than it reads (MaxReadSize). Saving fails
	// without touching the stored session; the Middleware answers 413.
	ErrTooLarge = errors.New("sessionkit: session too large")
)

// MaxReadSize bounds what a Codec reads: stored data, and session JSON
// once decompressed. Anything the Manager writes is well under it
// (Manager.MaxSize bounds the encoded data, and a save whose JSON is
// larger than MaxReadSize fails too), and so is any session a Django app
// keeps in practice; Django itself has no bound. Data past it is an error
// wrapping ErrTooLarge, never an empty session.
const MaxReadSize = 16 << 20

// DefaultMaxSize is Manager.MaxSize's default: the largest encoded session
// that a save accepts. It fits every engine: memcached's 1 MiB items, SQL
// columns, files, Redis. (Cookies hold 4096 bytes; the signed-cookie
// store enforces that itself.)
const DefaultMaxSize = 512 << 10

// MaxUserIDSize is the longest Record.UserID, in bytes: what the per-user
// indexes hold (varchar(255)). Django's user ids are primary keys, far
// shorter.
const MaxUserIDSize = 255

// Swapper is a Store that replaces a record only while it still holds
// what was read: compare-and-swap. The Manager uses it to merge concurrent
// saves of one session key by key, so that no request's write is lost.
// Every server-side engine implements it; a Store without it gets
// last-write-wins Updates.
type Swapper interface {
	// Swap replaces the record stored under key by rec, as Update does,
	// but only if the stored Data is still old, byte for byte. It returns
	// an error wrapping ErrConflict when the record has changed since, and
	// one wrapping ErrNotFound when it is gone (it never recreates it).
	// The error may be a *ConflictError that carries the record stored
	// now, when the store read it anyway: the Manager then merges into it
	// without loading it again.
	Swap(ctx context.Context, key string, old []byte, rec Record) (string, error)
}

// ConflictError is the ErrConflict of a Swap that also read the record
// stored now (Current), so that the merge that follows needs no second
// round trip to load it. errors.Is(err, ErrConflict) holds for it.
type ConflictError struct {
	Current Record
}

func (e *ConflictError) Error() string { return ErrConflict.Error() }
func (e *ConflictError) Unwrap() error { return ErrConflict }

// Locker is a Store that can give one request at a time a session to
// itself (Manager.Exclusive): a lease under a token, which ends when
// released or after its ttl, so a holder that dies never blocks the
// session for longer. The Manager does the waiting.
type Locker interface {
	// TryLock takes the lease on key for ttl under token if nobody holds
	// it, or the holder's lease has run out, and reports whether it did.
	TryLock(ctx context.Context, key, token string, ttl time.Duration) (bool, error)
	// Unlock ends the lease on key if token still holds it.
	Unlock(ctx context.Context, key, token string) error
}

// ExpiredClearer is a Store that can delete its expired records (Django's
// clear_expired, the clearsessions command). Stores whose records expire by
// themselves (caches, signed cookies) do not implement it. A store that
// implements it but cannot clear in its configuration (cached_db over a
// store without ClearExpired) returns an error wrapping
// errors.ErrUnsupported.
type ExpiredClearer interface {
	// ClearExpired deletes expired records and reports how many it removed.
	ClearExpired(ctx context.Context) (int64, error)
}

// UserSessionLister is a Store that indexes sessions by Record.UserID, so
// that an application can show a user their sessions and log out the others.
// A store that implements it but keeps no user in its configuration (Django's
// table layout) returns errors wrapping errors.ErrUnsupported from both
// methods.
type UserSessionLister interface {
	// UserSessions lists the live sessions of userID.
	UserSessions(ctx context.Context, userID string) ([]SessionInfo, error)
	// DeleteUserSessions deletes every session of userID except the one
	// stored under keepKey ("" keeps none) and reports how many it removed.
	DeleteUserSessions(ctx context.Context, userID, keepKey string) (int64, error)
}

// UserSessionDeleter is a UserSessionLister that can also end one session
// of a user, named by its SessionInfo.ID (KeyHash of its key, never the key),
// for "log out that device". A store that implements it but keeps no user in
// its configuration returns an error wrapping errors.ErrUnsupported.
type UserSessionDeleter interface {
	// DeleteUserSession deletes the session of userID whose KeyHash is id
	// and reports whether there was one. A session of another user is left
	// alone and reported as not found (false, nil).
	DeleteUserSession(ctx context.Context, userID, id string) (bool, error)
}

// SessionInfo describes one stored session without revealing its key.
type SessionInfo struct {
	// ID identifies the session without being usable as a cookie:
	// KeyHash of its key.
	ID string
	// Expiry is when the session expires.
	Expiry time.Time

	// Created, LastSeen, UserAgent and IP are what the Manager recorded
	// in the session (Manager.TrackSessions, Manager.TrackIP); zero when
	// it recorded nothing. LastSeen is written back at most every
	// Manager.SeenInterval, so it may lag by that much.
	Created, LastSeen time.Time
	UserAgent, IP     string
	// Current marks the session of the request that asked
	// (Manager.SessionsOf).
	Current bool

	// Data is the stored data, which a UserSessionLister returns for the
	// Manager to read the fields above from. The Manager's methods clear
	// it: session data never reaches a listing.
	Data []byte
}

// KeyGenerator is a Store that chooses the keys the Manager passes to
// Create, instead of NewKey. The cookie store is one: Create ignores the
// key, since the cookie value is the key, so it returns "" rather than
// have the Manager draw random bytes for nothing.
type KeyGenerator interface {
	// NewKey returns a key for Create, unused as far as it can tell.
	NewKey() string
}

// KeyValidator is a Store whose keys do not follow the default rule
// (ValidKey). The signed-cookie store is one: its "key" is the cookie value.
type KeyValidator interface {
	// ValidKey reports whether a cookie value can be a key of this store.
	ValidKey(key string) bool
}
