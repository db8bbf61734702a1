package cachestore_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/sessionkit/sessionkit"
	"github.com/sessionkit/sessionkit/internal/testenv"
	"github.com/sessionkit/sessionkit/store/cachestore"
	"github.com/sessionkit/sessionkit/storetest"
)

// TestUserIndexPruned: on Redis and Redis Cluster the user's sorted set
// loses the members of deleted and expired sessions and expires with its
// last session.
func TestUserIndexPruned(t *testing.T) {
	for name, url := range map[string]func() string{
		"Redis":        func() string { return "redis://" + testenv.RedisAddr(t) },
		"RedisCluster": func() string { return "redis+cluster://" + strings.Join(testenv.RedisClusterAddrs(t), ",") },
	} {
		t.Run(name, func(t *testing.T) {
			c := openRedis(t, url())
			clock := storetest.NewClock()
			s := cachestore.New(c, cachestore.Config{Prefix: uniquePrefix(t), UserIndex: true, Now: clock.Now})
			ctx := t.Context()
			short, err := s.Create(ctx, sessionkit.NewKey(), sessionkit.Record{Data: []byte("a"), Expiry: clock.Now().Add(time.Minute), UserID: "7"})
			if err != nil {
				t.Fatal(err)
			}
			gone, _ := s.Create(ctx, sessionkit.NewKey(), sessionkit.Record{Data: []byte("b"), Expiry: clock.Now().Add(time.Hour), UserID: "7"})
			long, _ := s.Create(ctx, sessionkit.NewKey(), sessionkit.Record{Data: []byte("c"), Expiry: clock.Now().Add(2 * time.Hour), UserID: "7"})
			set := s.UserIndexKey("7")
			if n := c.Client().ZCard(ctx, set).Val(); n != 3 {
				t.Fatalf("the index holds %d members, want 3", n)
			}
			if ttl := c.Client().PTTL(ctx, set).Val(); ttl <= time.Hour || ttl > 2*time.Hour {
				t.Errorf("the index lives %v, want its latest session's 2h", ttl)
			}
			// A logout (Delete) leaves the member until the next listing.
			if err := s.Delete(ctx, gone); err != nil {
				t.Fatal(err)
			}
			infos, err := s.UserSessions(ctx, "7")
			if err != nil || len(infos) != 2 {
				t.Fatalf("UserSessions = %v, %v; want 2", infos, err)
			}
			if n := c.Client().ZCard(ctx, set).Val(); n != 2 {
				t.Errorf("after listing, the index holds %d members, want 2", n)
			}
			// An expired session leaves it with the next save of the user's.
			clock.Advance(2 * time.Minute)
			if _, err := s.Update(ctx, long, sessionkit.Record{Data: []byte("c2"), Expiry: clock.Now().Add(2 * time.Hour), UserID: "7"}); err != nil {
				t.Fatal(err)
			}
			members := c.Client().ZRange(ctx, set, 0, -1).Val()
			if len(members) != 1 || members[0] != sessionkit.KeyHash(long) {
				t.Errorf("after the short session expired the index holds %v, want only the long one", members)
			}
			_ = short
			// memcached and the like cannot.
			m := cachestore.New(openMemcache(t), cachestore.Config{UserIndex: true})
			if _, err := m.UserSessions(ctx, "7"); !errors.Is(err, errors.ErrUnsupported) {
				t.Errorf("UserSessions on memcached = %v, want errors.ErrUnsupported", err)
			}
		})
	}
}
