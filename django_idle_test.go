package sessionkit_test

import (
	"context"
	"testing"
	"time"

	"github.com/sessionkit/sessionkit"
	"github.com/sessionkit/sessionkit/store/memstore"
)

// TestIdleTimeoutCountsDjangoWrites: in Django mode a user active only on
// the Django side stays logged in on the Go side, and the Go side never
// shortens the expiry Django would set.
func TestIdleTimeoutCountsDjangoWrites(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	store := &memstore.Store{Now: clock}
	codec := &sessionkit.DjangoCodec{SecretKey: "django-insecure-idle-timeout-test"}
	m := &sessionkit.Manager{Store: store, Codec: codec, IdleTimeout: 30 * time.Minute, Now: clock}
	ctx := context.Background()

	s := m.Open(ctx, "")
	s.Set("_auth_user_id", "7")
	if err := s.Save(ctx); err != nil {
		t.Fatal(err)
	}
	key := s.Key()
	rec, err := store.Load(ctx, key)
	if err != nil {
		t.Fatal(err)
	}
	if want := now.Add(sessionkit.DefaultCookieAge); !rec.Expiry.Equal(want) {
		t.Errorf("Go's save set expire_date %v; want Django's %v (not shortened by the idle timeout)", rec.Expiry, want)
	}

	// 25 minutes later Django saves the session as Django does: same data
	// (sessionkit's activity marker untouched), expire_date = now + age.
	now = now.Add(25 * time.Minute)
	if _, err := store.Update(ctx, key, sessionkit.Record{Data: rec.Data, Expiry: now.Add(sessionkit.DefaultCookieAge), UserID: "7"}); err != nil {
		t.Fatal(err)
	}
	// 40 minutes after Go's last write, 15 after Django's: still logged in.
	now = now.Add(15 * time.Minute)
	if got := m.Open(ctx, key).Get("_auth_user_id"); got != "7" {
		t.Fatalf("a session Django used 15 minutes ago timed out on the Go side (user %v)", got)
	}
	// Idle on both sides for longer than the timeout: logged out.
	now = now.Add(31 * time.Minute)
	if got := m.Open(ctx, key).Get("_auth_user_id"); got != nil {
		t.Errorf("a session idle for 31 minutes on both sides is still logged in")
	}
}
