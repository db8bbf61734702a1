package sqlstore

import (
	"bytes"
	"context"
	"errors"
	"fmt"

	"github.com/sessionkit/sessionkit"
)

// Swap replaces the row stored under key by rec, as Update does, but only
// if its data is still old, byte for byte: one conditional UPDATE that
// compares the data column itself (Django's table has no version column,
// and none is added to it). It returns an error wrapping
// sessionkit.ErrConflict when the data has changed since it was read, and
// sessionkit.ErrNotFound when the row is gone; it never recreates a row.
//
// When the UPDATE changes no row, one SELECT by key tells a conflict from
// a deleted or expired row, and the conflict carries the row it read (a
// *sessionkit.ConflictError). On MySQL it also compares the data, since
// MySQL counts only the rows an UPDATE changed unless the connection sets
// clientFoundRows: a swap that writes what is already stored changes
// nothing and still succeeds.
func (s *Store) Swap(ctx context.Context, key string, old []byte, rec sessionkit.Record) (string, error) {
	k, err := s.swap(ctx, key, old, rec)
	if err == nil {
		err = s.indexUser(ctx, "swap session", key, rec)
	}
	return k, err
}

func (s *Store) swap(ctx context.Context, key string, old []byte, rec sessionkit.Record) (string, error) {
	if !sessionkit.ValidKey(key) {
		return "", invalidKey("swap")
	}
	args, stored, err := s.updateArgs(key, rec)
	if err != nil {
		return "", err
	}
	tctx, cancel := s.bound(ctx)
	defer cancel()
	st, err := s.statements(tctx)
	if err != nil {
		return "", s.fail(ctx, tctx, "", err)
	}
	args = append(args, s.dataArg(old)) // (data, expiry[, user], key, old data)
	res, err := st.swap.ExecContext(tctx, args...)
	if err != nil {
		return "", s.fail(ctx, tctx, "swap session", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return "", fmt.Errorf("sqlstore: swap session: %w", err)
	}
	if n > 0 {
		return key, nil
	}
	// No row changed: read the row as it is now, for the Manager to merge
	// into without loading it again.
	cur, err := s.loadRow(ctx, tctx, st, stored)
	switch {
	case errors.Is(err, sessionkit.ErrNotFound):
		return "", err
	case err != nil:
		return "", s.fail(ctx, tctx, "swap session", err)
	case s.dialect == MySQL && bytes.Equal(cur.Data, old):
		// The row holds old: the UPDATE matched it and wrote what was
		// already there, which MySQL counts as no change.
		return key, nil
	}
	return "", &sessionkit.ConflictError{Current: cur}
}

// dataArg is the value compared with the data column: text in Django's
// table, bytes (never NULL) in the native one.
func (s *Store) dataArg(data []byte) any {
	if s.django {
		return string(data)
	}
	if data == nil {
		return []byte{}
	}
	return data
}
