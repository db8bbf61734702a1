package messages_test

import (
	"testing"

	"github.com/sessionkit/sessionkit"
	"github.com/sessionkit/sessionkit/messages"
	"github.com/sessionkit/sessionkit/store/memstore"
)

func newSession(t *testing.T) *sessionkit.Session {
	t.Helper()
	return sessionkit.New(memstore.New(0)).Open(t.Context(), "")
}

func TestAddGetOnce(t *testing.T) {
	s := newSession(t)
	if messages.Add(s, messages.Info, "") {
		t.Error("an empty message was recorded")
	}
	if s.Has(messages.SessionKey) {
		t.Error("an empty message touched the session")
	}
	messages.AddSuccess(s, "one", "x")
	messages.AddWarning(s, "two")
	if got := messages.Peek(s); len(got) != 2 {
		t.Fatalf("Peek = %v", got)
	}
	got := messages.Get(s)
	if len(got) != 2 || got[0].Message != "one" || got[0].Tags() != "x success" || got[1].Tags() != "warning" || got[1].String() != "two" {
		t.Errorf("Get = %+v", got)
	}
	if again := messages.Get(s); again != nil && len(again) != 0 {
		t.Errorf("second Get = %v", again)
	}
	if s.Has(messages.SessionKey) {
		t.Error("Get left the messages in the session")
	}
}

func TestStorageLevelAndTags(t *testing.T) {
	st := &messages.Storage{Level: messages.Debug, Tags: map[messages.Level]string{messages.Error: "danger", 5: "trace"}}
	s := newSession(t)
	if !st.Add(s, messages.Debug, "dbg") {
		t.Error("Debug dropped at Level Debug")
	}
	if st.Add(s, 5, "below") {
		t.Error("level 5 recorded at Level Debug")
	}
	st.Add(s, messages.Error, "bad")
	got := st.Get(s)
	if len(got) != 2 || got[0].LevelTag != "debug" || got[1].LevelTag != "danger" {
		t.Errorf("Get = %+v", got)
	}
	if messages.DefaultStorage.Add(s, messages.Debug, "dbg") {
		t.Error("DefaultStorage records Debug")
	}
}

func TestCorruptMessages(t *testing.T) {
	for _, bad := range []any{"not json", `[["other", 0, 20, "x"]]`, `[["__json_message", 0, "20", "x"]]`, `{"a": 1}`, `[["__json_message", 0, 20, "x", 5]]`, 42} {
		s := newSession(t)
		s.Set(messages.SessionKey, bad)
		if got := messages.Peek(s); len(got) != 0 {
			t.Errorf("Peek of %v = %v", bad, got)
		}
		messages.AddInfo(s, "fresh")
		if got := messages.Get(s); len(got) != 1 || got[0].Message != "fresh" {
			t.Errorf("after %v: Get = %v", bad, got)
		}
	}
}

func TestDecodeForms(t *testing.T) {
	s := newSession(t)
	// Django 3.2's form without extra tags, a null extra_tags, a safe flag.
	s.Set(messages.SessionKey, `[["__json_message", 0, 20, "a"], ["__json_message", 1, 25, "<b>b</b>", null], ["__json_message", 0, 40, "c\u00e9", "t"]]`)
	got := messages.Get(s)
	want := []messages.Message{
		{Level: 20, Message: "a", LevelTag: "info"},
		{Level: 25, Message: "<b>b</b>", Safe: true, LevelTag: "success"},
		{Level: 40, Message: "cé", ExtraTags: "t", LevelTag: "error"},
	}
	if len(got) != len(want) {
		t.Fatalf("Get = %+v", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("message %d = %+v, want %+v", i, got[i], want[i])
		}
	}
}
