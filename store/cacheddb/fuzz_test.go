package cacheddb_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"os/exec"
	"testing"
	"time"

	"github.com/sessionkit/sessionkit"
	"github.com/sessionkit/sessionkit/cache/memorycache"
	"github.com/sessionkit/sessionkit/internal/testenv"
	"github.com/sessionkit/sessionkit/store/cacheddb"
	"github.com/sessionkit/sessionkit/store/memstore"
)

// FuzzLoad puts arbitrary bytes in the cache entry of a stored session:
// Load never panics and answers either the database's record or, for a
// well-formed trusted entry, what that entry holds — never an error.
func FuzzLoad(f *testing.F) {
	for _, s := range []string{
		"", "\x02", "\x03", "\x03\x7f\xff\xff\xff\xff\xff\xff\xff",
		"\x02\x7f\xff\xff\xff\xff\xff\xff\xff\x7f\xff\xff\xff\xff\xff\xff\xff\x00{}",
		"\x02\x7f\xff\xff\xff\xff\xff\xff\xff\x7f\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01",
		"\x80\x04}.",
	} {
		f.Add([]byte(s))
	}
	c := memorycache.New(memorycache.Config{})
	db := memstore.New(0)
	s := cacheddb.New(db, c, cacheddb.Config{FenceInterval: -1, Logger: slog.New(slog.DiscardHandler)})
	f.Cleanup(func() { s.Close() })
	key := sessionkit.NewKey()
	want := []byte(`{"from":"db"}`)
	if _, err := db.Create(context.Background(), key, sessionkit.Record{Data: want, Expiry: time.Now().Add(time.Hour)}); err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, v []byte) {
		ctx := context.Background()
		c.Set(ctx, s.CacheKey(key), v, time.Hour)
		rec, err := s.Load(ctx, key)
		if err != nil {
			if errors.Is(err, sessionkit.ErrNotFound) && len(v) > 0 && v[0] == 0x03 {
				return // a well-formed tombstone
			}
			if errors.Is(err, sessionkit.ErrNotFound) && len(v) > 0 && v[0] == 0x02 {
				return // a well-formed entry that has expired
			}
			t.Fatalf("Load = %v", err)
		}
		if !bytes.Equal(rec.Data, want) && !bytes.HasSuffix(v, rec.Data) {
			t.Fatalf("Load returned %q, neither the database's nor the entry's", rec.Data)
		}
		if !rec.Expiry.After(time.Now()) {
			t.Fatalf("Load returned an expired record (%v)", rec.Expiry)
		}
	})
}

// Django's Redis cache reads a value as an int or else unpickles it; either
// must fail on sessionkit's entries, so that a Django process sharing the
// cache treats them as misses (cached_db catches the exception) instead of
// misreading them.
func TestDjangoCannotMisreadEntries(t *testing.T) {
	py := testenv.Python(t)
	c := memorycache.New(memorycache.Config{})
	db := memstore.New(0)
	s := cacheddb.New(db, c, cacheddb.Config{FenceInterval: -1})
	defer s.Close()
	ctx := context.Background()
	key := sessionkit.NewKey()
	if _, err := s.Create(ctx, key, sessionkit.Record{Data: []byte(`{"a":1}`), Expiry: time.Now().Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	value, _ := c.Get(ctx, s.CacheKey(key))
	if err := s.Delete(ctx, key); err != nil {
		t.Fatal(err)
	}
	tombstone, _ := c.Get(ctx, s.CacheKey(key))
	const script = `
import pickle, sys
data = sys.stdin.buffer.read()
try:
    int(data)
except ValueError:
    try:
        pickle.loads(data)
    except Exception as e:
        print("rejected:", type(e).__name__)
        sys.exit(0)
print("accepted")
`
	for name, v := range map[string][]byte{"value": value, "tombstone": tombstone} {
		cmd := exec.Command(py, "-c", script)
		cmd.Stdin = bytes.NewReader(v)
		out, err := cmd.CombinedOutput()
		if err != nil || !bytes.HasPrefix(out, []byte("rejected: UnpicklingError")) {
			t.Errorf("Django's Redis serializer on a %s entry: %s %v", name, out, err)
		}
	}
}
