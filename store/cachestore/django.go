package cachestore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/sessionkit/sessionkit"
	"github.com/sessionkit/sessionkit/internal/pypickle"
	"github.com/sessionkit/sessionkit/pyjson"
)

// flagPickle is pymemcache's FLAG_PICKLE, memcache.FlagPickle.
const flagPickle = 1

// ttlGetter is a cache that reports an entry's remaining time to live with
// its value (rediscache.Cache).
type ttlGetter interface {
	GetTTL(ctx context.Context, key string) ([]byte, time.Duration, error)
}

// flagGetter is a cache that stores client flags with an entry
// (memcache.Cache).
type flagGetter interface {
	GetFlags(ctx context.Context, key string) ([]byte, uint32, error)
}

var errNotPickle = errors.New("cachestore: the memcached item is not flagged as a pickle (pymemcache's FLAG_PICKLE); give the memcache.Cache Flags: memcache.FlagPickle")

// got is an entry as read from the cache.
type got struct {
	v      []byte
	ttl    time.Duration // the remaining time to live, when the cache tells; else 0
	badFlg bool          // a memcached item whose flags say it is no pickle
}

// get reads the entry under ck, with its time to live and flags where the
// cache keeps them and the store needs them (Django mode).
func (s *Store) get(ctx context.Context, ck string) (got, error) {
	if s.django {
		switch c := s.c.(type) {
		case ttlGetter:
			v, ttl, err := c.GetTTL(ctx, ck)
			return got{v: v, ttl: ttl}, err
		case flagGetter:
			v, f, err := c.GetFlags(ctx, ck)
			return got{v: v, badFlg: f != flagPickle}, err
		}
	}
	v, err := s.c.Get(ctx, ck)
	return got{v: v}, err
}

// record turns an entry into the record Load returns.
func (s *Store) record(ctx context.Context, g got) (sessionkit.Record, error) {
	if !s.django {
		return decode(g.v)
	}
	if g.badFlg {
		return sessionkit.Record{}, errNotPickle
	}
	v, err := pypickle.Decode(g.v)
	if err != nil {
		return sessionkit.Record{}, err
	}
	m, ok := v.(*pyjson.Object)
	if !ok {
		return sessionkit.Record{}, fmt.Errorf("%w: the pickle holds no dict", pypickle.ErrUnsupported)
	}
	data, err := pyjson.Marshal(m)
	if err != nil {
		return sessionkit.Record{}, err
	}
	return sessionkit.Record{Data: data, Expiry: s.djangoExpiry(ctx, g.ttl, m)}, nil
}

// djangoExpiry is the Expiry of a Django-mode record, whose entry holds
// none: now plus the entry's remaining time to live when the cache tells
// it (Redis's PTTL), else now plus the session's own age when
// _session_expiry is a positive number of seconds, else now plus MaxAge.
// The last two are upper bounds: the cache drops the entry at its own
// time, and the Manager checks a date in _session_expiry itself.
func (s *Store) djangoExpiry(ctx context.Context, ttl time.Duration, m *pyjson.Object) time.Time {
	now := s.clock(ctx)
	if ttl > 0 {
		return now.Add(ttl)
	}
	if age, ok := sessionkit.ExpiryAgeOf(m); ok {
		return now.Add(age)
	}
	return now.Add(s.maxAge)
}

// dataOf returns the record Data that the entry v holds, as Load returns
// it.
func (s *Store) dataOf(v []byte) ([]byte, error) {
	if !s.django {
		rec, err := decode(v)
		return rec.Data, err
	}
	return pypickle.DecodeJSON(v)
}

// sameData reports whether stored, the Data of an entry, is old, the Data
// a request read. In Django mode the entry is a pickle, so old is also
// compared in the form Load gives it after a round trip through one
// (which differs only if old was not written by pyjson).
func (s *Store) sameData(stored, old []byte, canon *[]byte) bool {
	if string(stored) == string(old) {
		return true
	}
	if !s.django {
		return false
	}
	if *canon == nil {
		c, err := canonical(old)
		if err != nil {
			return false
		}
		*canon = c
	}
	return string(stored) == string(*canon)
}

// canonical is the Data that Load would return after data was stored.
func canonical(data []byte) ([]byte, error) {
	p, err := pypickle.EncodeJSON(data)
	if err != nil {
		return nil, err
	}
	return pypickle.DecodeJSON(p)
}

// value is the entry that stores rec.
func (s *Store) value(rec sessionkit.Record) ([]byte, error) {
	if !s.django {
		return encode(rec), nil
	}
	v, err := pypickle.EncodeJSON(rec.Data)
	if err != nil {
		return nil, fmt.Errorf("in Django mode the session must be a JSON object (the Manager's codec must be sessionkit.JSONCodec): %w", err)
	}
	return v, nil
}
