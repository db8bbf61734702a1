package cacheddb

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"github.com/sessionkit/sessionkit"
)

// raiseFence makes every process distrust the cache entries stamped up to
// now + 2×ClockSkew: at once in this process, and through the fence record
// in the database for the others. A fence already published that reaches
// now + ClockSkew covers this failure too, so an outage costs one database
// write per ClockSkew, not one per request.
func (s *Store) raiseFence(ctx context.Context) error {
	now := time.Now()
	target := now.Add(2 * s.skew).UnixNano()
	covered := now.Add(s.skew).UnixNano()
	maxStore(&s.fence, target)
	if s.published.Load() >= covered {
		return nil
	}
	s.raiseMu.Lock()
	defer s.raiseMu.Unlock()
	if s.published.Load() >= covered {
		return nil // another request published while this one waited
	}
	fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), afterCommitTimeout)
	defer cancel()
	cur, exists, err := s.readFence(fctx)
	if err != nil {
		return s.fenceFailed(ctx, err)
	}
	if cur >= covered {
		maxStore(&s.fence, cur)
		maxStore(&s.published, cur)
		return nil
	}
	// Read-modify-write without a lock in the database: two processes
	// raising at once may leave the smaller of two nearly equal fences,
	// which still covers both failures (each is at least its own failure
	// time + ClockSkew, and they are milliseconds apart).
	rec := sessionkit.Record{Data: strconv.AppendInt(nil, target, 10), Expiry: now.Add(fenceLife)}
	if exists {
		_, err = s.db.Update(fctx, FenceKey, rec)
		if errors.Is(err, sessionkit.ErrNotFound) {
			_, err = s.db.Create(fctx, FenceKey, rec)
		}
	} else {
		_, err = s.db.Create(fctx, FenceKey, rec)
		if errors.Is(err, sessionkit.ErrKeyExists) {
			_, err = s.db.Update(fctx, FenceKey, rec)
		}
	}
	if err != nil {
		return s.fenceFailed(ctx, err)
	}
	maxStore(&s.published, target)
	return nil
}

func (s *Store) fenceFailed(ctx context.Context, err error) error {
	err = fmt.Errorf("cacheddb: the session was saved but the cache could not be updated, and the other processes could not be told to distrust it: %w", err)
	s.logger.LogAttrs(ctx, slog.LevelError, "cacheddb: cannot raise the fence", slog.Any("error", err))
	return err
}

// syncFence reads the fence from the database and adopts it, and marks the
// cache errors seen before the read as covered.
func (s *Store) syncFence(ctx context.Context) error {
	seq := s.errSeq.Load()
	f, _, err := s.readFence(ctx)
	if err != nil {
		return err
	}
	maxStore(&s.fence, f)
	maxStore(&s.syncedSeq, seq)
	return nil
}

// readFence loads the fence record. A missing record is fence 0; a record
// that is not a number (someone wrote to it) is ignored with a warning.
func (s *Store) readFence(ctx context.Context) (fence int64, exists bool, err error) {
	rec, err := s.db.Load(ctx, FenceKey)
	if errors.Is(err, sessionkit.ErrNotFound) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, fmt.Errorf("cacheddb: read the fence: %w", err)
	}
	f, perr := strconv.ParseInt(string(rec.Data), 10, 64)
	if perr != nil {
		s.logger.LogAttrs(ctx, slog.LevelWarn, "cacheddb: the fence record is not a number; ignoring it", slog.String("key", FenceKey))
		return 0, true, nil
	}
	return f, true, nil
}

// pollFence re-reads the fence every FenceInterval until Close.
func (s *Store) pollFence() {
	defer close(s.done)
	t := time.NewTicker(s.interval)
	defer t.Stop()
	for {
		select {
		case <-t.C:
			ctx, cancel := context.WithTimeout(context.Background(), afterCommitTimeout)
			if err := s.syncFence(ctx); err != nil {
				s.readLog.log(ctx, s.logger, slog.LevelWarn, "cacheddb: cannot read the fence", err)
			}
			cancel()
		case <-s.stop:
			return
		}
	}
}

// Fence returns the time before which this process distrusts cache
// entries (zero if never raised), for monitoring.
func (s *Store) Fence() time.Time {
	f := s.fence.Load()
	if f == 0 {
		return time.Time{}
	}
	return time.Unix(0, f)
}

type int64Var interface {
	Load() int64
	CompareAndSwap(old, new int64) bool
}

// maxStore raises v to x if x is larger.
func maxStore(v int64Var, x int64) {
	for {
		cur := v.Load()
		if cur >= x || v.CompareAndSwap(cur, x) {
			return
		}
	}
}
