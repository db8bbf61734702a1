package filestore

import (
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sessionkit/sessionkit"
	"github.com/sessionkit/sessionkit/storetest"
)

// spares lists the spare and temporary files in dir.
func spares(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	for _, name := range listDir(t, dir) {
		if strings.Contains(name, tempMarker) {
			out = append(out, name)
		}
	}
	return out
}

// swapping returns a native store on a fresh directory, skipping the test
// where the file system cannot swap two names.
func swapping(t *testing.T) (*Store, string) {
	t.Helper()
	dir := t.TempDir()
	s := newStore(t, Config{Dir: dir})
	if err := s.Delete(t.Context(), withSpare(t, s)); err != nil {
		t.Fatal(err)
	}
	return s, dir
}

// withSpare gives s one pooled spare, by creating and updating a session of
// its own, skipping the test where the file system cannot swap two names.
// It returns the session's key.
func withSpare(t *testing.T, s *Store) string {
	t.Helper()
	ctx := t.Context()
	key, err := s.Create(ctx, sessionkit.NewKey(), sessionkit.Record{Data: []byte("{}"), Expiry: time.Now().Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Update(ctx, key, sessionkit.Record{Data: []byte("{}"), Expiry: time.Now().Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if !s.reusing() {
		t.Skip("this file system cannot swap two names (renameat2 RENAME_EXCHANGE); Update renames new files")
	}
	return key
}

func TestUpdateReusesOneSpare(t *testing.T) {
	s, dir := swapping(t)
	ctx := t.Context()
	keys := make([]string, 3)
	for i := range keys {
		keys[i] = sessionkit.NewKey()
		if _, err := s.Create(ctx, keys[i], sessionkit.Record{Data: []byte(`{"v":0}`), Expiry: time.Now().Add(time.Hour)}); err != nil {
			t.Fatal(err)
		}
	}
	var first []string
	for v := 1; v <= 5; v++ {
		for i, key := range keys {
			data := []byte(`{"v":` + string(rune('0'+v)) + `,"i":` + string(rune('0'+i)) + `}`)
			if _, err := s.Update(ctx, key, sessionkit.Record{Data: data, Expiry: time.Now().Add(time.Hour)}); err != nil {
				t.Fatal(err)
			}
			rec, err := s.Load(ctx, key)
			if err != nil || string(rec.Data) != string(data) {
				t.Fatalf("Load after Update = %q, %v; want %q", rec.Data, err, data)
			}
			sp := spares(t, dir)
			if first == nil {
				first = sp
			}
			if len(sp) != 1 || sp[0] != first[0] {
				t.Fatalf("after an update the directory holds the spares %q, want the one spare %q", sp, first)
			}
			if b, err := os.ReadFile(filepath.Join(dir, sp[0])); err != nil || string(b) != magic[:spareResidue] {
				t.Fatalf("the idle spare holds %q, %v; want %q (no old session lingers)", b, err, magic[:spareResidue])
			}
		}
	}
	if n := len(listDir(t, dir)); n != len(keys)+1 {
		t.Errorf("%d files, want %d sessions and a spare", n, len(keys))
	}
	s.Close()
	if sp := spares(t, dir); len(sp) != 0 {
		t.Errorf("Close left the spares %q", sp)
	}
}

// A reader that opened a session file just before an Update swapped it out
// can read the spare refilled with another session. The native checks
// reject what it reads, and Load, which reads again by name, gets the
// session's own current content.
func TestLateReaderSeesForeignSpareAndRejectsIt(t *testing.T) {
	s, _ := swapping(t)
	ctx := t.Context()
	a, b := sessionkit.NewKey(), sessionkit.NewKey()
	for _, k := range []string{a, b} {
		if _, err := s.Create(ctx, k, sessionkit.Record{Data: []byte(`{"who":"` + k + `"}`), Expiry: time.Now().Add(time.Hour), UserID: k}); err != nil {
			t.Fatal(err)
		}
	}
	nameA, _ := s.fileName(a)
	late, err := s.openFile(nameA, os.O_RDONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer late.close()
	// A is swapped out (its old file becomes the spare, emptied), then B
	// takes that spare.
	if _, err := s.Update(ctx, a, sessionkit.Record{Data: []byte(`{"who":"a2"}`), Expiry: time.Now().Add(time.Hour), UserID: a}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Update(ctx, b, sessionkit.Record{Data: []byte(`{"who":"b2"}`), Expiry: time.Now().Add(time.Hour), UserID: b}); err != nil {
		t.Fatal(err)
	}
	content, _, err := readOpen(late, nameA)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(content), "b2") {
		t.Fatalf("the late reader's file holds %q, want B's new content (the spare was reused)", content)
	}
	h, err := parseHeader(content)
	if err != nil || h.id == nameA[len(s.prefix):] {
		t.Fatalf("the late read parses as %+v, %v: want a file that is not A's", h, err)
	}
	rec, err := s.Load(ctx, a)
	if err != nil || string(rec.Data) != `{"who":"a2"}` {
		t.Errorf("Load(A) = %q, %v; want A's current content", rec.Data, err)
	}
}

// Another process's ClearExpired can remove a spare it takes for a
// crash's leftover; the Update that was about to use it starts again.
func TestUpdateSurvivesLosingItsSpare(t *testing.T) {
	s, dir := swapping(t)
	ctx := t.Context()
	key, err := s.Create(ctx, sessionkit.NewKey(), sessionkit.Record{Data: []byte(`{"v":1}`), Expiry: time.Now().Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	update := func(v string) {
		t.Helper()
		if _, err := s.Update(ctx, key, sessionkit.Record{Data: []byte(v), Expiry: time.Now().Add(time.Hour)}); err != nil {
			t.Fatalf("Update: %v", err)
		}
		if rec, err := s.Load(ctx, key); err != nil || string(rec.Data) != v {
			t.Fatalf("Load = %q, %v; want %q", rec.Data, err, v)
		}
	}
	// Removed while idle in the pool.
	for _, sp := range spares(t, dir) {
		os.Remove(filepath.Join(dir, sp))
	}
	update(`{"v":2}`)
	// Removed after its refill, just before the swap.
	lost := 0
	s.beforeSwap = func(spare string) {
		if lost == 0 {
			lost++
			os.Remove(filepath.Join(dir, spare))
		}
	}
	update(`{"v":3}`)
	s.beforeSwap = nil
	if lost != 1 {
		t.Fatal("the spare was never removed")
	}
	if sp := spares(t, dir); len(sp) != 1 {
		t.Errorf("spares afterwards: %q, want one", sp)
	}
}

func TestSparesRetire(t *testing.T) {
	s, dir := swapping(t)
	ctx := t.Context()
	key, err := s.Create(ctx, sessionkit.NewKey(), sessionkit.Record{Data: []byte(`{}`), Expiry: time.Now().Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Update(ctx, key, sessionkit.Record{Data: []byte(`{}`), Expiry: time.Now().Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	old := spares(t, dir)
	s.spares.mu.Lock()
	for i := range s.spares.idle {
		s.spares.idle[i].born = time.Now().Add(-spareLife)
	}
	s.spares.mu.Unlock()
	if _, err := s.Update(ctx, key, sessionkit.Record{Data: []byte(`{}`), Expiry: time.Now().Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	now := spares(t, dir)
	if len(now) != 1 || slices.Contains(old, now[0]) {
		t.Errorf("spares %q before and %q after the pooled one outlived spareLife: want a new one in its place", old, now)
	}
}

// Where renameat2 is missing, or lacks a flag on this file system, Create
// links and Update renames new files, as before spares: the whole suite
// holds there too.
func TestConformanceWithoutRenameat2(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T) sessionkit.Store {
		s := newStore(t, Config{})
		s.noExchange.Store(true)
		s.noNoReplace.Store(true)
		return s
	}, storetest.Options{})
}

// A session file removed without the lock (by hand, say) just before the
// swap: Update reports it gone and leaves no file with the new content.
func TestUpdateOfFileRemovedWithoutLock(t *testing.T) {
	s, dir := swapping(t)
	ctx := t.Context()
	key, err := s.Create(ctx, sessionkit.NewKey(), sessionkit.Record{Data: []byte(`{"v":1}`), Expiry: time.Now().Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	name, _ := s.fileName(key)
	s.beforeSwap = func(string) { os.Remove(filepath.Join(dir, name)) }
	_, err = s.Update(ctx, key, sessionkit.Record{Data: []byte(`{"v":"new"}`), Expiry: time.Now().Add(time.Hour)})
	if !errors.Is(err, sessionkit.ErrNotFound) {
		t.Fatalf("Update = %v, want ErrNotFound", err)
	}
	for _, n := range listDir(t, dir) {
		if b, _ := os.ReadFile(filepath.Join(dir, n)); strings.Contains(string(b), "new") {
			t.Errorf("%s holds the failed Update's content %q", n, b)
		}
	}
}

// A native Create with no spare writes the file under its own name. An
// Update or Delete by another store that finds the name in the instant
// between the exclusive create and the lock wins: Create reports the key
// taken and writes nothing, neither under the name nor into the file it
// created, which a swapping Update has by then made its spare.
func TestCreateInPlaceYieldsToWriterInItsWindow(t *testing.T) {
	for _, other := range []string{"update", "delete"} {
		t.Run(other, func(t *testing.T) {
			dir := t.TempDir()
			a := newStore(t, Config{Dir: dir})
			b := newStore(t, Config{Dir: dir})
			ctx := t.Context()
			key := sessionkit.NewKey()
			var otherErr error
			a.beforeCreateLock = func(string) {
				if other == "update" {
					_, otherErr = b.Update(ctx, key, sessionkit.Record{Data: []byte(`{"by":"b"}`), Expiry: time.Now().Add(time.Hour)})
				} else {
					otherErr = b.Delete(ctx, key)
				}
			}
			_, err := a.Create(ctx, key, sessionkit.Record{Data: []byte(`{"by":"a"}`), Expiry: time.Now().Add(time.Hour)})
			if otherErr != nil {
				t.Fatalf("%s in the window: %v", other, otherErr)
			}
			if !errors.Is(err, sessionkit.ErrKeyExists) {
				t.Fatalf("Create = %v, want ErrKeyExists", err)
			}
			rec, err := a.Load(ctx, key)
			switch {
			case other == "update" && (err != nil || string(rec.Data) != `{"by":"b"}`):
				t.Errorf("Load = %q, %v; want the Update's record", rec.Data, err)
			case other == "delete" && !errors.Is(err, sessionkit.ErrNotFound):
				t.Errorf("Load = %q, %v; want ErrNotFound", rec.Data, err)
			}
			for _, n := range listDir(t, dir) {
				b, err := os.ReadFile(filepath.Join(dir, n))
				if err != nil {
					t.Fatal(err)
				}
				if strings.Contains(string(b), `"a"`) {
					t.Errorf("%s holds the losing Create's content %q", n, b)
				}
				if strings.Contains(n, tempMarker) && len(b) != spareResidue {
					t.Errorf("spare %s holds %d bytes, want %d", n, len(b), spareResidue)
				}
			}
		})
	}
}

// A crash in the middle of an in-place Create leaves a file cut short
// under the session's name: it reads as no session, and ClearExpired
// removes it.
func TestCreateInPlaceCutShort(t *testing.T) {
	dir := t.TempDir()
	s := newStore(t, Config{Dir: dir, Logger: slog.New(slog.DiscardHandler)})
	ctx := t.Context()
	key := sessionkit.NewKey()
	if _, err := s.Create(ctx, key, sessionkit.Record{Data: []byte(`{"cart":[1,2,3]}`), Expiry: time.Now().Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	name := filepath.Join(dir, "sessionid"+sessionkit.KeyHash(key))
	whole, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	for _, cut := range []int{1, len(whole) / 2, len(whole) - 1} {
		if err := os.WriteFile(name, whole[:cut], 0o600); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Load(ctx, key); !errors.Is(err, sessionkit.ErrNotFound) {
			t.Errorf("Load of the first %d of %d bytes = %v, want ErrNotFound", cut, len(whole), err)
		}
	}
	if n, err := s.ClearExpired(ctx); err != nil || n != 1 {
		t.Errorf("ClearExpired = %d, %v; want the cut file removed", n, err)
	}
	if names := listDir(t, dir); len(names) != 0 {
		t.Errorf("directory holds %q after ClearExpired", names)
	}
}
