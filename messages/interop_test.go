package messages_test

import (
	"encoding/json"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/sessionkit/sessionkit"
	"github.com/sessionkit/sessionkit/internal/testenv"
	"github.com/sessionkit/sessionkit/messages"
	"github.com/sessionkit/sessionkit/store/sqlstore"

	_ "modernc.org/sqlite"
)

const djangoSecret = "django-insecure-messages-interop-0123456789abcdef"

// djangoOps adds and reads messages in real Django, through
// messages.add_message and messages.get_messages with SessionStorage, on
// db sessions in the shared SQLite file; the storage's update runs and the
// session is saved, as the middleware would at the end of a request.
const djangoOps = `
from django.contrib import messages
from django.contrib.messages.storage import default_storage
from django.contrib.sessions.backends.db import SessionStore
from django.http import HttpRequest
from django.utils.safestring import mark_safe
out = []
for op in json.load(sys.stdin):
    r = HttpRequest()
    r.session = SessionStore(op.get("key"))
    r._messages = default_storage(r)
    res = {}
    if op["op"] == "add":
        for level, text, extra, safe in op["messages"]:
            messages.add_message(r, level, mark_safe(text) if safe else text, extra_tags=extra)
    else:
        res["messages"] = [{"level": m.level, "message": m.message, "extra_tags": m.extra_tags,
                            "tags": m.tags, "safe": hasattr(m.message, "__html__")}
                           for m in messages.get_messages(r)]
    r._messages.update(None)
    r.session.save()
    res["key"] = r.session.session_key
    res["stored"] = SessionStore(r.session.session_key).get("_messages")
    out.append(res)
print(json.dumps(out))
`

type djangoMessage struct {
	Level     int     `json:"level"`
	Message   string  `json:"message"`
	ExtraTags *string `json:"extra_tags"`
	Tags      string  `json:"tags"`
	Safe      bool    `json:"safe"`
}

type djangoResult struct {
	Key      string          `json:"key"`
	Stored   *string         `json:"stored"`
	Messages []djangoMessage `json:"messages"`
}

type shared struct {
	t        *testing.T
	version  string
	settings map[string]any
	m        *sessionkit.Manager
}

func newShared(t *testing.T, version string) *shared {
	path := filepath.Join(t.TempDir(), "shared.db")
	store, err := sqlstore.Open(t.Context(), "sqlite:///"+path, sqlstore.Config{Django: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	if err := store.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	m := sessionkit.New(store)
	m.Codec = &sessionkit.DjangoCodec{SecretKey: djangoSecret}
	return &shared{t: t, version: version, m: m, settings: map[string]any{
		"DATABASES":       map[string]any{"default": map[string]any{"ENGINE": "django.db.backends.sqlite3", "NAME": path}},
		"INSTALLED_APPS":  []string{"django.contrib.contenttypes", "django.contrib.sessions", "django.contrib.messages"},
		"USE_TZ":          true,
		"SECRET_KEY":      djangoSecret,
		"MESSAGE_STORAGE": "django.contrib.messages.storage.session.SessionStorage",
	}}
}

func (d *shared) django(op map[string]any) djangoResult {
	d.t.Helper()
	in, _ := json.Marshal([]any{op})
	out := testenv.DjangoIn(d.t, d.version, d.settings, djangoOps, in)
	var res []djangoResult
	if err := json.Unmarshal(out, &res); err != nil || len(res) != 1 {
		d.t.Fatalf("Django %s printed %q: %v", d.version, out, err)
	}
	return res[0]
}

// inGo runs f on the stored session key and saves the session, as one
// request would.
func (d *shared) inGo(key string, f func(s *sessionkit.Session)) string {
	d.t.Helper()
	s := d.m.Open(d.t.Context(), key)
	f(s)
	if err := s.Save(d.t.Context()); err != nil {
		d.t.Fatal(err)
	}
	return s.Key()
}

func strp(s string) *string { return &s }

// TestGoAddsDjangoReads: messages added by Go are read once by Django's
// get_messages, with their levels, extra tags and tags.
func TestGoAddsDjangoReads(t *testing.T) {
	for _, v := range testenv.DjangoVersions() {
		t.Run(v, func(t *testing.T) {
			d := newShared(t, v)
			key := d.inGo("", func(s *sessionkit.Session) {
				s.Set("cart", []any{"mug"})
				messages.AddInfo(s, "Welcome back.")
				if messages.AddDebug(s, "not recorded at MESSAGE_LEVEL = INFO") {
					t.Error("a Debug message was recorded at the default level")
				}
				messages.Add(s, messages.Success, "Saved <b>café</b> ✓ 🔑", "fade", "big")
				messages.AddError(s, "Payment failed.")
			})
			got := d.django(map[string]any{"op": "get", "key": key})
			want := []djangoMessage{
				{20, "Welcome back.", strp(""), "info", false},
				{25, "Saved <b>café</b> ✓ 🔑", strp("fade big"), "fade big success", false},
				{40, "Payment failed.", strp(""), "error", false},
			}
			if !reflect.DeepEqual(got.Messages, want) {
				t.Errorf("Django read %+v\nwant %+v", got.Messages, want)
			}
			if got.Stored != nil {
				t.Errorf("Django kept the messages after reading them: %q", *got.Stored)
			}
			if again := d.django(map[string]any{"op": "get", "key": key}); len(again.Messages) != 0 {
				t.Errorf("Django read the messages twice: %+v", again.Messages)
			}
			d.inGo(key, func(s *sessionkit.Session) {
				if ms := messages.Get(s); len(ms) != 0 || s.Get("cart") == nil {
					t.Errorf("Go after Django read them: %v, cart %v", ms, s.Get("cart"))
				}
			})
		})
	}
}

// TestDjangoAddsGoReads: messages added by Django (a safe one among them)
// are read once by Go.
func TestDjangoAddsGoReads(t *testing.T) {
	for _, v := range testenv.DjangoVersions() {
		t.Run(v, func(t *testing.T) {
			d := newShared(t, v)
			res := d.django(map[string]any{"op": "add", "messages": [][]any{
				{20, "Hello from Django.", "", false},
				{10, "dropped at INFO", "", false},
				{30, "<a href=\"/x\">Undo</a> déjà", "undo", true},
				{99, "a custom level", "", false},
			}})
			var got []messages.Message
			d.inGo(res.Key, func(s *sessionkit.Session) {
				got = messages.Get(s)
				if again := messages.Get(s); len(again) != 0 {
					t.Errorf("Go read them twice: %v", again)
				}
			})
			want := []messages.Message{
				{Level: messages.Info, Message: "Hello from Django.", LevelTag: "info"},
				{Level: messages.Warning, Message: "<a href=\"/x\">Undo</a> déjà", ExtraTags: "undo", Safe: true, LevelTag: "warning"},
				{Level: 99, Message: "a custom level"},
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("Go read %+v\nwant %+v", got, want)
			}
			if got[1].Tags() != "undo warning" {
				t.Errorf("Tags() = %q", got[1].Tags())
			}
			if r := d.django(map[string]any{"op": "get", "key": res.Key}); len(r.Messages) != 0 || r.Stored != nil {
				t.Errorf("Django after Go read them: %+v", r)
			}
		})
	}
}

// TestSameEncodingAsDjango: Go stores exactly the string Django's
// SessionStorage stores for the same messages (Django 3.2 with
// OmitEmptyExtraTags), and a message added by Go after Django's keeps
// Django's bytes.
func TestSameEncodingAsDjango(t *testing.T) {
	for _, v := range testenv.DjangoVersions() {
		t.Run(v, func(t *testing.T) {
			d := newShared(t, v)
			res := d.django(map[string]any{"op": "add", "messages": [][]any{
				{20, "plain", "", false},
				{25, "tagged \"quoted\" naïve \u007f", "a b", false},
			}})
			st := &messages.Storage{OmitEmptyExtraTags: v == "3.2"}
			d.inGo("", func(s *sessionkit.Session) {
				st.Add(s, messages.Info, "plain")
				st.Add(s, messages.Success, "tagged \"quoted\" naïve \u007f", "a", "b")
				if got := s.Get(messages.SessionKey); res.Stored == nil || got != *res.Stored {
					t.Errorf("Go stored %q\nDjango    %q", got, *res.Stored)
				}
			})
			// Go adds one to Django's; Django reads all three.
			d.inGo(res.Key, func(s *sessionkit.Session) { st.Add(s, messages.Error, "from Go") })
			r := d.django(map[string]any{"op": "get", "key": res.Key})
			if len(r.Messages) != 3 || r.Messages[0].Message != "plain" || r.Messages[2].Message != "from Go" {
				t.Errorf("Django read %+v", r.Messages)
			}
		})
	}
}
