package cacheddb

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"github.com/sessionkit/sessionkit"
	"github.com/sessionkit/sessionkit/internal/pypickle"
	"github.com/sessionkit/sessionkit/pyjson"
)

// In Django mode (Config.Django) the database holds Django's session_data
// (the Config.Codec's output) and the cache Django's entries: the session
// dict pickled as Django's cache backends store it, or a pickled None as a
// tombstone, which Django's cached_db reads as a miss. The records this
// store takes and returns carry the session as JSON (the Manager uses
// sessionkit.JSONCodec), so that a record read from the cache and one read
// from the database are the same bytes.

// DefaultMaxAge is Django's default SESSION_COOKIE_AGE, two weeks.
const DefaultMaxAge = 14 * 24 * time.Hour

// DjangoKeyPrefix is what Django's cache framework puts in front of every
// key (django.core.cache.backends.base.default_key_func):
// "<KEY_PREFIX>:<VERSION>:", ":1:" by default.
func DjangoKeyPrefix(keyPrefix string, version int) string {
	return keyPrefix + ":" + strconv.Itoa(version) + ":"
}

// pickledNone is the Django-mode tombstone: pickle.dumps(None, 4).
var pickledNone = []byte("\x80\x04N.")

// flagPickle is pymemcache's FLAG_PICKLE, memcache.FlagPickle.
const flagPickle = 1

type ttlGetter interface {
	GetTTL(ctx context.Context, key string) ([]byte, time.Duration, error)
}

type flagGetter interface {
	GetFlags(ctx context.Context, key string) ([]byte, uint32, error)
}

// get reads a cache entry; in Django mode with its time to live (Redis)
// or its flags (memcached), and an item not flagged as a pickle reads as
// corrupt.
func (s *Store) get(ctx context.Context, ck string) (v []byte, ttl time.Duration, badFlags bool, err error) {
	if s.django {
		switch c := s.c.(type) {
		case ttlGetter:
			v, ttl, err = c.GetTTL(ctx, ck)
			return v, ttl, false, err
		case flagGetter:
			var f uint32
			v, f, err = c.GetFlags(ctx, ck)
			return v, 0, f != flagPickle, err
		}
	}
	v, err = s.c.Get(ctx, ck)
	return v, 0, false, err
}

// decode parses an entry as read by get.
func (s *Store) decode(ctx context.Context, v []byte, ttl time.Duration, badFlags bool) (entry, error) {
	if !s.django {
		return decodeEntry(v)
	}
	if badFlags {
		return entry{}, errors.New("cacheddb: the memcached item is not flagged as a pickle; give the memcache.Cache Flags: memcache.FlagPickle")
	}
	// Django's entries carry no stamp: see "Keys, values and Django".
	e := entry{stamp: time.Now().UnixNano()}
	x, err := pypickle.Decode(v)
	if err != nil {
		return entry{}, err
	}
	if x == nil {
		e.tombstone = true
		return e, nil
	}
	o, ok := x.(*pyjson.Object)
	if !ok {
		return entry{}, fmt.Errorf("%w: the pickle holds no dict", pypickle.ErrUnsupported)
	}
	if e.rec.Data, err = pyjson.Marshal(o); err != nil {
		return entry{}, err
	}
	e.rec.Expiry = s.djangoExpiry(ctx, ttl, o)
	return e, nil
}

// djangoExpiry is the Expiry of a record read from a Django-mode entry,
// which holds none: now plus the entry's remaining time to live when the
// cache tells it (Redis's PTTL), else now plus the session's own age when
// _session_expiry is a positive number of seconds, else now plus MaxAge.
// The last two are upper bounds: the cache drops the entry at its own
// time, and the Manager checks a date in _session_expiry itself.
func (s *Store) djangoExpiry(ctx context.Context, ttl time.Duration, o *pyjson.Object) time.Time {
	now := s.clock(ctx)
	if ttl > 0 {
		return now.Add(ttl)
	}
	if age, ok := sessionkit.ExpiryAgeOf(o); ok {
		return now.Add(age)
	}
	return now.Add(s.maxAge)
}

// value is the cache entry of rec, written at stamp.
func (s *Store) value(stamp time.Time, rec sessionkit.Record) ([]byte, error) {
	if !s.django {
		return encodeValue(stamp, rec), nil
	}
	v, err := pypickle.EncodeJSON(rec.Data)
	if err != nil {
		return nil, fmt.Errorf("cacheddb: in Django mode the session must be a JSON object (the Manager's codec must be sessionkit.JSONCodec): %w", err)
	}
	return v, nil
}

// tombstone is the entry that marks a deleted session.
func (s *Store) tombstone(stamp time.Time) []byte {
	if s.django {
		return pickledNone
	}
	return encodeTombstone(stamp)
}

// toDB is rec as the database keeps it: in Django mode its Data encoded by
// Config.Codec (Django's signed session_data).
func (s *Store) toDB(rec sessionkit.Record) (sessionkit.Record, error) {
	if !s.django {
		return rec, nil
	}
	o, err := pyjson.DecodeObject(rec.Data)
	if err != nil {
		return rec, fmt.Errorf("cacheddb: in Django mode the session must be a JSON object (the Manager's codec must be sessionkit.JSONCodec): %w", err)
	}
	if rec.Data, err = s.codec.Encode(o); err != nil {
		return rec, fmt.Errorf("cacheddb: encoding the session for the database: %w", err)
	}
	return rec, nil
}

// fromDB is a database record as this store returns it: in Django mode its
// Data decoded by Config.Codec and written as JSON. Data the codec cannot
// read (a bad signature: another SECRET_KEY) is an empty session, as
// Django treats it, logged.
func (s *Store) fromDB(ctx context.Context, rec sessionkit.Record) sessionkit.Record {
	if !s.django {
		return rec
	}
	o, err := s.codec.Decode(rec.Data)
	if err == nil {
		var data []byte
		if data, err = pyjson.Marshal(o); err == nil {
			rec.Data = data
			return rec
		}
	}
	s.logger.LogAttrs(ctx, slog.LevelWarn, "cacheddb: Session data corrupted", slog.Any("error", err))
	rec.Data = []byte("{}")
	return rec
}

// loadDB reads a session from the database as this store returns it.
func (s *Store) dbLoad(ctx context.Context, key string) (sessionkit.Record, error) {
	rec, err := s.db.Load(ctx, key)
	if err != nil {
		return rec, err
	}
	return s.fromDB(ctx, rec), nil
}

// djangoSwap is the Swap of Django mode: the database holds signed data
// that differs from the JSON a request read (Django's signature has a
// timestamp), so the session in the database is read, compared as JSON
// and swapped by its exact bytes through sw.
type djangoSwap struct {
	s  *Store
	sw sessionkit.Swapper
}

func (d djangoSwap) Swap(ctx context.Context, key string, old []byte, rec sessionkit.Record) (string, error) {
	cur, err := d.s.db.Load(ctx, key)
	if err != nil {
		return "", err
	}
	if string(d.s.fromDB(ctx, cur).Data) != string(old) {
		return "", fmt.Errorf("cacheddb: swap: %w", sessionkit.ErrConflict)
	}
	dbRec, err := d.s.toDB(rec)
	if err != nil {
		return "", err
	}
	return d.sw.Swap(ctx, key, cur.Data, dbRec)
}
