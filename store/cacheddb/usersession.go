package cacheddb

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/sessionkit/sessionkit"
)

// DeleteUserSession implements sessionkit.UserSessionDeleter when the
// database store does; otherwise it returns an error wrapping
// errors.ErrUnsupported. The session's cache entry is replaced by a
// tombstone (its cache key is Prefix + id); with Config.Django, where the
// cache key is the raw key, the store raises the fence instead.
func (s *Store) DeleteUserSession(ctx context.Context, userID, id string) (bool, error) {
	d, ok := s.db.(sessionkit.UserSessionDeleter)
	if !ok {
		return false, fmt.Errorf("cacheddb: the database store %T cannot delete a session by user and id: %w", s.db, errors.ErrUnsupported)
	}
	stamp := time.Now()
	deleted, err := d.DeleteUserSession(ctx, userID, id)
	if err != nil || !deleted {
		return deleted, err
	}
	if s.django {
		return true, s.raiseFence(ctx)
	}
	return true, s.writeCache(ctx, "delete", s.prefix+id, encodeTombstone(stamp), s.tombTTL, true)
}
