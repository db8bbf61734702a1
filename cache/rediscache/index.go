package rediscache

import (
	"context"
	"errors"
	"strconv"

	"github.com/redis/go-redis/v9"
)

// The per-user index of store/cachestore: a sorted set per user whose
// members name sessions and whose scores are their expiries, in unix
// milliseconds of the caller's clock. The script touches one key, so it
// runs on a Cluster too. It adds the member, drops the members that have
// expired and makes the set live as long as its latest member.
var indexAddScript = redis.NewScript(`
redis.call("ZADD", KEYS[1], ARGV[1], ARGV[2])
redis.call("ZREMRANGEBYSCORE", KEYS[1], "-inf", ARGV[3])
local top = redis.call("ZRANGE", KEYS[1], -1, -1, "WITHSCORES")
local ttl = top[2] and (tonumber(top[2]) - tonumber(ARGV[3])) or 0
if ttl > 0 then redis.call("PEXPIRE", KEYS[1], math.ceil(ttl)) else redis.call("DEL", KEYS[1]) end
return 1`)

// IndexAdd puts member into the sorted set set with score expiry (unix
// milliseconds), drops the members whose score is not after now, and
// makes the set expire with its latest member: one round trip.
func (c *Cache) IndexAdd(ctx context.Context, set, member string, expiry, now int64) error {
	ctx, cancel := c.ctx(ctx)
	defer cancel()
	if err := indexAddScript.Run(ctx, c.client, []string{set}, expiry, member, now).Err(); err != nil {
		return opError("index add script", err)
	}
	return nil
}

// IndexMembers lists the members of set whose score is after now, with
// their scores: one ZRANGEBYSCORE.
func (c *Cache) IndexMembers(ctx context.Context, set string, now int64) ([]string, []int64, error) {
	ctx, cancel := c.ctx(ctx)
	defer cancel()
	zs, err := c.client.ZRangeByScoreWithScores(ctx, set, &redis.ZRangeBy{Min: "(" + strconv.FormatInt(now, 10), Max: "+inf"}).Result()
	if err != nil {
		return nil, nil, opError("ZRANGEBYSCORE", err)
	}
	members, scores := make([]string, len(zs)), make([]int64, len(zs))
	for i, z := range zs {
		members[i], _ = z.Member.(string)
		scores[i] = int64(z.Score)
	}
	return members, scores, nil
}

// IndexRemove removes members from set: one ZREM.
func (c *Cache) IndexRemove(ctx context.Context, set string, members ...string) error {
	if len(members) == 0 {
		return nil
	}
	ctx, cancel := c.ctx(ctx)
	defer cancel()
	args := make([]any, len(members))
	for i, m := range members {
		args[i] = m
	}
	if err := c.client.ZRem(ctx, set, args...).Err(); err != nil {
		return opError("ZREM", err)
	}
	return nil
}

// GetMulti returns the values of keys, nil for a missing one, in one
// pipeline: one round trip to one server, one per node of a Cluster (the
// keys may lie in any slots).
func (c *Cache) GetMulti(ctx context.Context, keys []string) ([][]byte, error) {
	if len(keys) == 0 {
		return nil, nil
	}
	ctx, cancel := c.ctx(ctx)
	defer cancel()
	cmds := make([]*redis.StringCmd, len(keys))
	_, err := c.client.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, k := range keys {
			cmds[i] = p.Get(ctx, k)
		}
		return nil
	})
	if err != nil && !errors.Is(err, redis.Nil) {
		return nil, opError("GET (pipelined)", err)
	}
	out := make([][]byte, len(keys))
	for i, cmd := range cmds {
		b, err := cmd.Bytes()
		if errors.Is(err, redis.Nil) {
			continue
		}
		if err != nil {
			return nil, opError("GET (pipelined)", err)
		}
		out[i] = b
	}
	return out, nil
}

// DeleteMulti deletes keys in one pipeline of DELs (one round trip per
// server), so that keys in different Cluster slots can go together.
func (c *Cache) DeleteMulti(ctx context.Context, keys ...string) error {
	if len(keys) == 0 {
		return nil
	}
	ctx, cancel := c.ctx(ctx)
	defer cancel()
	_, err := c.client.Pipelined(ctx, func(p redis.Pipeliner) error {
		for _, k := range keys {
			p.Del(ctx, k)
		}
		return nil
	})
	if err != nil {
		return opError("DEL (pipelined)", err)
	}
	return nil
}
