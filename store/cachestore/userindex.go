package cachestore

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/sessionkit/sessionkit"
)

// UserIndex is a cache.Cache that can keep the per-user index of
// Config.UserIndex: sorted sets of session names scored by expiry (unix
// milliseconds), and reads and deletes of many keys in one round trip.
// cache/rediscache implements it, on one server, a Cluster and Sentinel;
// memcached has no such thing.
type UserIndex interface {
	// IndexAdd adds member to set with score expiry, drops the members
	// whose score is not after now, and makes set expire with its latest
	// member.
	IndexAdd(ctx context.Context, set, member string, expiry, now int64) error
	// IndexMembers lists the members of set scored after now, with their
	// scores, lowest first.
	IndexMembers(ctx context.Context, set string, now int64) ([]string, []int64, error)
	// IndexRemove removes members from set.
	IndexRemove(ctx context.Context, set string, members ...string) error
	// GetMulti returns the values of keys (nil for a missing one).
	GetMulti(ctx context.Context, keys []string) ([][]byte, error)
	// DeleteMulti deletes keys.
	DeleteMulti(ctx context.Context, keys ...string) error
}

var (
	_ sessionkit.UserSessionLister  = (*Store)(nil)
	_ sessionkit.UserSessionDeleter = (*Store)(nil)
)

// UserIndexKey returns the cache key of userID's index: Config.Prefix,
// "user:" and a hash of the id in braces (a Redis Cluster hash tag, so the
// set's own key decides its slot; every index operation touches one set).
func (s *Store) UserIndexKey(userID string) string {
	sum := sha256.Sum256([]byte(userID))
	return s.prefix + "user:{" + hex.EncodeToString(sum[:16]) + "}"
}

// member is how the index names a session: the part of its cache key after
// Prefix (KeyHash of the key; the raw key with Config.Django, whose cache
// keys are raw keys already).
func (s *Store) member(key string) string {
	if s.django {
		return key
	}
	return sessionkit.KeyHash(key)
}

// memberID is the SessionInfo.ID of a member.
func (s *Store) memberID(member string) string {
	if s.django {
		return sessionkit.KeyHash(member)
	}
	return member
}

// indexUser records the session stored under key in its user's index.
func (s *Store) indexUser(ctx context.Context, op, key string, rec sessionkit.Record) error {
	if s.index == nil {
		return nil
	}
	if s.django {
		// Django's entries do not record the user: the owner is kept
		// beside each one, so that a listing can tell a session that
		// changed hands (or logged out) from one that did not.
		ttl := max(rec.Expiry.Sub(s.clock(ctx)), time.Millisecond)
		if err := s.c.Set(ctx, s.ownerKey(key), []byte(rec.UserID), ttl); err != nil {
			return fmt.Errorf("cachestore: %s: the session is saved but not its owner for the per-user index: %w", op, err)
		}
	}
	if rec.UserID == "" {
		return nil
	}
	if err := s.index.IndexAdd(ctx, s.UserIndexKey(rec.UserID), s.member(key), rec.Expiry.UnixMilli(), s.clock(ctx).UnixMilli()); err != nil {
		return fmt.Errorf("cachestore: %s: the session is saved but not in its user's index: %w", op, err)
	}
	return nil
}

// ownerKey is the cache key of the user a Django-mode session belongs to,
// for the per-user index.
func (s *Store) ownerKey(key string) string {
	return sessionkit.PrefixedKeyHash(s.prefix+"owner:", key)
}

func (s *Store) noIndex(op string) error {
	if !s.indexOn {
		return fmt.Errorf("cachestore: %s: the store keeps no per-user index; set Config.UserIndex (on Redis): %w", op, errors.ErrUnsupported)
	}
	return fmt.Errorf("cachestore: %s: the cache %T cannot keep a per-user index (it is not a cachestore.UserIndex; memcached cannot): %w", op, s.c, errors.ErrUnsupported)
}

// errNoEntry marks an index member whose entry is gone.
var errNoEntry = errors.New("no entry")

// indexed is a live session of a user's index.
type indexed struct {
	member string
	rec    sessionkit.Record
}

// userEntries reads userID's index and the entries it names (two round
// trips) and returns the live sessions that still belong to the user; the
// members that name none are removed from the index.
func (s *Store) userEntries(ctx context.Context, op, userID string) ([]indexed, error) {
	if s.index == nil {
		return nil, s.noIndex(op)
	}
	if userID == "" {
		return nil, nil
	}
	set := s.UserIndexKey(userID)
	now := s.clock(ctx)
	members, scores, err := s.index.IndexMembers(ctx, set, now.UnixMilli())
	if err != nil {
		return nil, fmt.Errorf("cachestore: %s: %w", op, err)
	}
	if len(members) == 0 {
		return nil, nil
	}
	keys := make([]string, len(members), 2*len(members))
	for i, m := range members {
		keys[i] = s.prefix + m
	}
	if s.django {
		for _, m := range members {
			keys = append(keys, s.ownerKey(m))
		}
	}
	values, err := s.index.GetMulti(ctx, keys)
	if err != nil {
		return nil, fmt.Errorf("cachestore: %s: %w", op, err)
	}
	var live []indexed
	var stale []string
	for i := range members {
		v := values[i]
		var rec sessionkit.Record
		err := errNoEntry
		if v != nil {
			rec, err = s.record(ctx, got{v: v})
		}
		if s.django && err == nil {
			// Django's entries hold neither the user nor the expiry: the
			// owner is kept beside the entry, and the index's score is the
			// expiry of the save it recorded.
			rec.UserID, rec.Expiry = string(values[len(members)+i]), time.UnixMilli(scores[i])
		}
		if v == nil || err != nil || rec.UserID != userID || !rec.Expiry.After(now) {
			stale = append(stale, members[i]) // gone, evicted, or another user's now
			continue
		}
		live = append(live, indexed{member: members[i], rec: rec})
	}
	if len(stale) > 0 {
		if err := s.index.IndexRemove(ctx, set, stale...); err != nil {
			return nil, fmt.Errorf("cachestore: %s: %w", op, err)
		}
	}
	return live, nil
}

// UserSessions implements sessionkit.UserSessionLister with
// Config.UserIndex on a cache that is a UserIndex: a ZRANGEBYSCORE of the
// user's set, then one pipeline of GETs (one round trip per server).
// Otherwise it returns an error wrapping errors.ErrUnsupported.
func (s *Store) UserSessions(ctx context.Context, userID string) ([]sessionkit.SessionInfo, error) {
	live, err := s.userEntries(ctx, "user sessions", userID)
	if err != nil {
		return nil, err
	}
	out := make([]sessionkit.SessionInfo, 0, len(live))
	for _, in := range live {
		out = append(out, sessionkit.SessionInfo{ID: s.memberID(in.member), Expiry: in.rec.Expiry, Data: in.rec.Data})
	}
	slices.SortFunc(out, func(a, b sessionkit.SessionInfo) int { return a.Expiry.Compare(b.Expiry) })
	return out, nil
}

// DeleteUserSessions implements sessionkit.UserSessionLister: it reads the
// user's index and entries as UserSessions does and deletes the user's
// entries but keepKey's and their index members, in a fixed number of
// round trips however many sessions the user has.
func (s *Store) DeleteUserSessions(ctx context.Context, userID, keepKey string) (int64, error) {
	live, err := s.userEntries(ctx, "delete user sessions", userID)
	if err != nil {
		return 0, err
	}
	keep := ""
	if keepKey != "" {
		keep = s.member(keepKey)
	}
	var keys, members []string
	for _, in := range live {
		if in.member == keep {
			continue
		}
		ck := s.prefix + in.member
		s.recent.drop(ck)
		keys, members = append(keys, ck), append(members, in.member)
	}
	if len(keys) == 0 {
		return 0, nil
	}
	if err := s.index.DeleteMulti(ctx, keys...); err != nil {
		return 0, fmt.Errorf("cachestore: delete user sessions: %w", err)
	}
	if err := s.index.IndexRemove(ctx, s.UserIndexKey(userID), members...); err != nil {
		return int64(len(keys)), fmt.Errorf("cachestore: delete user sessions: the sessions are deleted but not all of the index: %w", err)
	}
	return int64(len(keys)), nil
}

// DeleteUserSession implements sessionkit.UserSessionDeleter: it deletes
// the session of userID whose KeyHash is id, found through the user's
// index.
func (s *Store) DeleteUserSession(ctx context.Context, userID, id string) (bool, error) {
	live, err := s.userEntries(ctx, "delete a user session", userID)
	if err != nil {
		return false, err
	}
	for _, in := range live {
		if s.memberID(in.member) != id {
			continue
		}
		ck := s.prefix + in.member
		s.recent.drop(ck)
		if err := s.c.Delete(ctx, ck); err != nil {
			return false, fmt.Errorf("cachestore: delete a user session: %w", err)
		}
		if err := s.index.IndexRemove(ctx, s.UserIndexKey(userID), in.member); err != nil {
			return true, fmt.Errorf("cachestore: delete a user session: the session is deleted but not its index member: %w", err)
		}
		return true, nil
	}
	return false, nil
}
