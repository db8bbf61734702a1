package storetest

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sessionkit/sessionkit"
)

func runContract(t *testing.T, newStore NewStore, opts Options) {
	serverOnly := func(t *testing.T) {
		if opts.ClientSide {
			t.Skip("a client-side store keeps no records")
		}
	}
	keepsExpiry := func(t *testing.T) {
		if opts.IgnoresExpiry {
			t.Skip("the store does not keep a record's own expiry")
		}
	}
	t.Run("LoadUnknownKey", func(t *testing.T) {
		serverOnly(t)
		s := newStore(t)
		wantNotFound(t, s, sessionkit.NewKey())
	})
	t.Run("InvalidKeys", func(t *testing.T) {
		s := newStore(t)
		long := strings.Repeat("a", 1240) // Django's test_load_overlong_key
		keys := []string{"", "1", "1234567", "../x", "../../../../etc/passwd", "..", "a/b/cdefgh", `a\b\cdefgh`, "abc\x00defgh",
			"ABCDEFGHIJ", "%2e%2e%2f%2e%2e", strings.Repeat("a", 41), long, "清風清風清風清風"}
		rec := sessionkit.Record{Data: []byte(`{}`), Expiry: opts.now().Add(time.Hour)}
		for _, k := range keys {
			if validKey(s, k) {
				continue // a store with its own key rule may hold it
			}
			if _, err := s.Load(ctx(t), k); !errors.Is(err, sessionkit.ErrInvalidKey) {
				t.Errorf("Load(%.20q) = %v, want ErrInvalidKey", k, err)
			}
			if opts.ClientSide {
				continue // Create and Update ignore the key, Delete does nothing
			}
			if _, err := s.Create(ctx(t), k, rec); !errors.Is(err, sessionkit.ErrInvalidKey) {
				t.Errorf("Create(%.20q) = %v, want ErrInvalidKey", k, err)
			}
			if _, err := s.Update(ctx(t), k, rec); !errors.Is(err, sessionkit.ErrInvalidKey) {
				t.Errorf("Update(%.20q) = %v, want ErrInvalidKey", k, err)
			}
			if err := s.Delete(ctx(t), k); !errors.Is(err, sessionkit.ErrInvalidKey) {
				t.Errorf("Delete(%.20q) = %v, want ErrInvalidKey", k, err)
			}
		}
	})
	t.Run("CreateThenLoad", func(t *testing.T) {
		s := newStore(t)
		exp := opts.now().Add(time.Hour)
		data := `{"a":1,"b":"\u00e9"}`
		k := create(t, s, data, exp)
		r := mustLoad(t, s, k)
		if string(r.Data) != data {
			t.Errorf("Data = %q, want %q", r.Data, data)
		}
		if r.Expiry.IsZero() {
			t.Error("Load returned a zero Expiry")
		} else if !opts.IgnoresExpiry && !near(r.Expiry, exp) {
			t.Errorf("Expiry = %v, want %v", r.Expiry, exp)
		}
	})
	t.Run("CreateTakenKey", func(t *testing.T) {
		serverOnly(t)
		s := newStore(t)
		k := create(t, s, `{"a":1}`, opts.now().Add(time.Hour))
		_, err := s.Create(ctx(t), k, sessionkit.Record{Data: []byte(`{"a":2}`), Expiry: opts.now().Add(time.Hour)})
		if !errors.Is(err, sessionkit.ErrKeyExists) {
			t.Fatalf("Create of a taken key = %v, want ErrKeyExists", err)
		}
		if r := mustLoad(t, s, k); string(r.Data) != `{"a":1}` {
			t.Errorf("the failed Create changed the record: %q", r.Data)
		}
	})
	t.Run("Update", func(t *testing.T) {
		s := newStore(t)
		k := create(t, s, `{"a":1}`, opts.now().Add(time.Hour))
		exp := opts.now().Add(2 * time.Hour)
		k2, err := s.Update(ctx(t), k, sessionkit.Record{Data: []byte(`{"a":2}`), Expiry: exp})
		if err != nil {
			t.Fatalf("Update: %v", err)
		}
		if !opts.ClientSide && k2 != k {
			t.Errorf("Update moved the key from %q to %q", k, k2)
		}
		r := mustLoad(t, s, k2)
		if string(r.Data) != `{"a":2}` {
			t.Errorf("Data after Update = %q", r.Data)
		}
		if r.Expiry.IsZero() {
			t.Error("Load after Update returned a zero Expiry")
		} else if !opts.IgnoresExpiry && !near(r.Expiry, exp) {
			t.Errorf("Expiry after Update = %v, want %v", r.Expiry, exp)
		}
	})
	t.Run("UpdateUnknownKeyDoesNotCreate", func(t *testing.T) {
		serverOnly(t)
		s := newStore(t)
		k := sessionkit.NewKey()
		_, err := s.Update(ctx(t), k, sessionkit.Record{Data: []byte(`{}`), Expiry: opts.now().Add(time.Hour)})
		if !errors.Is(err, sessionkit.ErrNotFound) {
			t.Fatalf("Update of an unknown key = %v, want ErrNotFound", err)
		}
		wantNotFound(t, s, k)
	})
	t.Run("Delete", func(t *testing.T) {
		serverOnly(t)
		s := newStore(t)
		k := create(t, s, `{"a":1}`, opts.now().Add(time.Hour))
		if err := s.Delete(ctx(t), k); err != nil {
			t.Fatalf("Delete: %v", err)
		}
		wantNotFound(t, s, k)
		if err := s.Delete(ctx(t), k); err != nil {
			t.Errorf("Delete of a missing key: %v, want nil", err)
		}
		if _, err := s.Update(ctx(t), k, sessionkit.Record{Data: []byte(`{}`), Expiry: opts.now().Add(time.Hour)}); !errors.Is(err, sessionkit.ErrNotFound) {
			t.Errorf("Update after Delete = %v, want ErrNotFound", err)
		}
		wantNotFound(t, s, k)
	})
	t.Run("ExpiredIsInvisible", func(t *testing.T) {
		keepsExpiry(t)
		s := newStore(t)
		k, err := s.Create(ctx(t), sessionkit.NewKey(), sessionkit.Record{Data: []byte(`{"a":1}`), Expiry: opts.now().Add(-time.Minute)})
		if err != nil {
			t.Fatalf("Create with a past expiry: %v", err)
		}
		wantNotFound(t, s, k)
	})
	t.Run("ExpiresInTime", func(t *testing.T) {
		keepsExpiry(t)
		if opts.Clock == nil {
			t.Skip("Options.Clock is not set: give the store a storetest.Clock to test expiry without waiting")
		}
		s := newStore(t)
		// A whole second, which every store can keep exactly.
		now := opts.Clock.Now()
		exp := now.Truncate(time.Second).Add(10 * time.Second)
		k := create(t, s, `{"a":1}`, exp)
		opts.Clock.Advance(exp.Sub(now) - time.Microsecond)
		mustLoad(t, s, k) // just before Expiry
		opts.Clock.Advance(2 * time.Microsecond)
		wantNotFound(t, s, k) // just after
	})
	t.Run("ZeroExpiry", func(t *testing.T) {
		// A zero Expiry means "none of its own": a store with a maximum
		// age applies it, any other refuses the record.
		s := newStore(t)
		key := sessionkit.NewKey()
		k, err := s.Create(ctx(t), key, sessionkit.Record{Data: []byte(`{"a":1}`)})
		switch {
		case err == nil:
			if r := mustLoad(t, s, k); !r.Expiry.After(opts.now()) {
				t.Errorf("a record created without Expiry loads with Expiry %v, want a time after now", r.Expiry)
			}
		case errors.Is(err, sessionkit.ErrKeyExists) || errors.Is(err, sessionkit.ErrNotFound):
			t.Fatalf("Create without Expiry = %v; want success or a plain error", err)
		case !opts.ClientSide:
			wantNotFound(t, s, key) // refused: nothing stored
		}
		k = create(t, s, `{"a":1}`, opts.now().Add(time.Hour))
		k2, err := s.Update(ctx(t), k, sessionkit.Record{Data: []byte(`{"a":2}`)})
		switch {
		case err == nil:
			if r := mustLoad(t, s, k2); string(r.Data) != `{"a":2}` || !r.Expiry.After(opts.now()) {
				t.Errorf("after an Update without Expiry: %q expiring %v; want the new data, expiring after now", r.Data, r.Expiry)
			}
		case errors.Is(err, sessionkit.ErrNotFound):
			t.Fatalf("Update without Expiry = %v; want success or a plain error", err)
		default:
			if r := mustLoad(t, s, k); string(r.Data) != `{"a":1}` {
				t.Errorf("a refused Update changed the record to %q", r.Data)
			}
		}
	})
	t.Run("ClearExpired", func(t *testing.T) {
		s := newStore(t)
		c, ok := s.(sessionkit.ExpiredClearer)
		if !ok {
			t.Skipf("%T does not implement ExpiredClearer", s)
		}
		if _, err := c.ClearExpired(ctx(t)); errors.Is(err, errors.ErrUnsupported) {
			t.Skipf("%T cannot clear expired sessions in this configuration: %v", s, err)
		}
		live := create(t, s, `{"live":1}`, opts.now().Add(time.Hour))
		for range 3 {
			if _, err := s.Create(ctx(t), sessionkit.NewKey(), sessionkit.Record{Data: []byte(`{}`), Expiry: opts.now().Add(-time.Hour)}); err != nil {
				t.Fatal(err)
			}
		}
		n, err := c.ClearExpired(ctx(t))
		if err != nil {
			t.Fatalf("ClearExpired: %v", err)
		}
		if n < 3 {
			t.Errorf("ClearExpired removed %d records, want at least 3", n)
		}
		mustLoad(t, s, live)
		if n, err := c.ClearExpired(ctx(t)); err != nil || n != 0 {
			t.Errorf("second ClearExpired = %d, %v; want 0, nil", n, err)
		}
	})
	t.Run("UserSessions", func(t *testing.T) {
		s := newStore(t)
		l, ok := s.(sessionkit.UserSessionLister)
		if !ok {
			t.Skipf("%T does not implement UserSessionLister", s)
		}
		u1, u2 := "user-"+sessionkit.NewKey()[:8], "user-"+sessionkit.NewKey()[:8]
		var keys []string
		for i := range 3 {
			k, err := s.Create(ctx(t), sessionkit.NewKey(), sessionkit.Record{Data: fmt.Appendf(nil, `{"n":%d}`, i), Expiry: opts.now().Add(time.Duration(i+1) * time.Hour), UserID: u1})
			if err != nil {
				t.Fatal(err)
			}
			keys = append(keys, k)
		}
		other, err := s.Create(ctx(t), sessionkit.NewKey(), sessionkit.Record{Data: []byte(`{}`), Expiry: opts.now().Add(time.Hour), UserID: u2})
		if err != nil {
			t.Fatal(err)
		}
		infos, err := l.UserSessions(ctx(t), u1)
		if errors.Is(err, errors.ErrUnsupported) {
			if _, derr := l.DeleteUserSessions(ctx(t), u1, ""); !errors.Is(derr, errors.ErrUnsupported) {
				t.Errorf("UserSessions is unsupported but DeleteUserSessions = %v; want errors.ErrUnsupported from both", derr)
			}
			t.Skipf("%T cannot list users' sessions in this configuration: %v", s, err)
		}
		if err != nil {
			t.Fatalf("UserSessions: %v", err)
		}
		var ids []string
		for _, in := range infos {
			ids = append(ids, in.ID)
		}
		for _, k := range keys {
			if !slices.Contains(ids, sessionkit.KeyHash(k)) {
				t.Errorf("UserSessions(%s) = %v, missing KeyHash of %s", u1, ids, k)
			}
		}
		if len(infos) != 3 {
			t.Errorf("UserSessions(%s) listed %d sessions, want 3", u1, len(infos))
		}
		// Each comes with its stored data, for the Manager's metadata.
		for i, k := range keys {
			for _, in := range infos {
				if in.ID == sessionkit.KeyHash(k) && string(in.Data) != fmt.Sprintf(`{"n":%d}`, i) {
					t.Errorf("UserSessions: session %d has Data %q, want the stored {\"n\":%d}", i, in.Data, i)
				}
			}
		}
		n, err := l.DeleteUserSessions(ctx(t), u1, keys[0])
		if err != nil || n != 2 {
			t.Fatalf("DeleteUserSessions = %d, %v; want 2, nil", n, err)
		}
		mustLoad(t, s, keys[0])
		wantNotFound(t, s, keys[1])
		wantNotFound(t, s, keys[2])
		mustLoad(t, s, other)
		// A record that changes owner moves in the index.
		if _, err := s.Update(ctx(t), keys[0], sessionkit.Record{Data: []byte(`{}`), Expiry: opts.now().Add(time.Hour), UserID: u2}); err != nil {
			t.Fatal(err)
		}
		if infos, err := l.UserSessions(ctx(t), u1); err != nil || len(infos) != 0 {
			t.Errorf("after changing owner, UserSessions(%s) = %v, %v; want none", u1, infos, err)
		}
		if infos, err := l.UserSessions(ctx(t), u2); err != nil || len(infos) != 2 {
			t.Errorf("after changing owner, UserSessions(%s) = %d sessions, %v; want 2", u2, len(infos), err)
		}
	})
	t.Run("DeleteUserSession", func(t *testing.T) {
		s := newStore(t)
		d, ok := s.(sessionkit.UserSessionDeleter)
		if !ok {
			t.Skipf("%T does not implement UserSessionDeleter", s)
		}
		u1, u2 := "user-"+sessionkit.NewKey()[:8], "user-"+sessionkit.NewKey()[:8]
		var keys []string
		for _, u := range []string{u1, u1, u2} {
			k, err := s.Create(ctx(t), sessionkit.NewKey(), sessionkit.Record{Data: []byte(`{}`), Expiry: opts.now().Add(time.Hour), UserID: u})
			if err != nil {
				t.Fatal(err)
			}
			keys = append(keys, k)
		}
		ok, err := d.DeleteUserSession(ctx(t), u1, sessionkit.KeyHash(keys[0]))
		if errors.Is(err, errors.ErrUnsupported) {
			t.Skipf("%T cannot delete users' sessions in this configuration: %v", s, err)
		}
		if err != nil || !ok {
			t.Fatalf("DeleteUserSession(u1, first) = %v, %v; want true, nil", ok, err)
		}
		wantNotFound(t, s, keys[0])
		mustLoad(t, s, keys[1])
		// Another user's session, even by its right id, is not the user's to end.
		if ok, err := d.DeleteUserSession(ctx(t), u1, sessionkit.KeyHash(keys[2])); err != nil || ok {
			t.Errorf("DeleteUserSession(u1, u2's session) = %v, %v; want false, nil", ok, err)
		}
		mustLoad(t, s, keys[2])
		// The key itself is not an id.
		if ok, err := d.DeleteUserSession(ctx(t), u1, keys[1]); err != nil || ok {
			t.Errorf("DeleteUserSession(u1, a raw key) = %v, %v; want false, nil", ok, err)
		}
		mustLoad(t, s, keys[1])
		if ok, err := d.DeleteUserSession(ctx(t), u1, sessionkit.KeyHash(keys[0])); err != nil || ok {
			t.Errorf("DeleteUserSession of a deleted session = %v, %v; want false, nil", ok, err)
		}
	})
}
