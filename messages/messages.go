// Package messages is django.contrib.messages' SessionStorage in Go:
// one-time notifications ("Profile saved.") kept in the session under
// "_messages" in Django's own encoding, so that a message added by Go is
// shown by a Django template and the other way round.
//
//	messages.Add(sess, messages.Success, "Profile saved.")
//	...
//	for _, m := range messages.Get(sess) { // and they are gone
//		fmt.Println(m.Tags(), m.Message)
//	}
//
// Django's MESSAGE_LEVEL and MESSAGE_TAGS are the fields of a Storage; the
// package-level functions use DefaultStorage (Django's defaults).
package messages

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/sessionkit/sessionkit"
	"github.com/sessionkit/sessionkit/pyjson"
)

// SessionKey is where Django's SessionStorage keeps the messages: a string
// holding their JSON.
const SessionKey = "_messages"

// messageKey marks a message in Django's MessageEncoder.
const messageKey = "__json_message"

// Level is a message's level; Django's are the constants below, and any
// other integer is allowed.
type Level int

// Django's message levels (django.contrib.messages.constants).
const (
	Debug   Level = 10
	Info    Level = 20
	Success Level = 25
	Warning Level = 30
	Error   Level = 40
)

// DefaultTags are Django's DEFAULT_TAGS: the tag of each level.
var DefaultTags = map[Level]string{Debug: "debug", Info: "info", Success: "success", Warning: "warning", Error: "error"}

// Message is one message, as Django's storage.base.Message.
type Message struct {
	Level   Level
	Message string
	// ExtraTags are the extra_tags given to add_message, space-separated.
	ExtraTags string
	// Safe is Django's is-safedata flag: the message was mark_safe()d (a
	// Django template renders it without escaping). Messages added from Go
	// are never safe.
	Safe bool
	// LevelTag is the level's tag under the Storage's tags ("success"),
	// or "" for a level without one. Get sets it.
	LevelTag string
}

// Tags returns the extra tags and the level tag, space-separated, as
// Django's Message.tags (what templates put in a class attribute).
func (m Message) Tags() string {
	switch {
	case m.ExtraTags == "":
		return m.LevelTag
	case m.LevelTag == "":
		return m.ExtraTags
	}
	return m.ExtraTags + " " + m.LevelTag
}

// String returns the message text.
func (m Message) String() string { return m.Message }

// Storage is the configuration of the messages: Django's settings.
type Storage struct {
	// Level is MESSAGE_LEVEL: Add drops messages below it. Zero means
	// Info, Django's default (so Debug messages are dropped); set Debug
	// to keep them.
	Level Level
	// Tags is MESSAGE_TAGS: tags for levels, over DefaultTags.
	Tags map[Level]string
	// OmitEmptyExtraTags writes a message without extra tags as Django 3.2
	// does, with no fifth element, instead of "" as Django ≥ 4.1 does.
	// Every version reads both.
	OmitEmptyExtraTags bool
}

// DefaultStorage is the Storage of the package-level functions: Django's
// defaults.
var DefaultStorage = &Storage{}

func (st *Storage) level() Level {
	if st.Level == 0 {
		return Info
	}
	return st.Level
}

func (st *Storage) tag(l Level) string {
	if t, ok := st.Tags[l]; ok {
		return t
	}
	return DefaultTags[l]
}

// Add adds a message to the session, as Django's messages.add_message:
// an empty message, or one below Level, is not recorded (Add reports
// whether it was). Extra tags are joined with spaces.
//
// Messages already in the session stay as they were written; stored data
// that is not Django's encoding (written by something else) is replaced.
func (st *Storage) Add(s *sessionkit.Session, level Level, message string, extraTags ...string) bool {
	if message == "" || level < st.level() {
		return false
	}
	stored, _ := s.Get(SessionKey).(string)
	items, err := splitList(stored)
	if err != nil {
		items = nil
	}
	var b strings.Builder
	b.WriteString("[")
	for _, it := range items {
		b.WriteString(it)
		b.WriteString(", ")
	}
	st.encode(&b, Message{Level: level, Message: message, ExtraTags: strings.Join(extraTags, " ")})
	b.WriteString("]")
	s.Set(SessionKey, b.String())
	return true
}

// encode writes m as Django's MessageEncoder does, inside the session's
// json.dumps with its default separators.
func (st *Storage) encode(b *strings.Builder, m Message) {
	safe := "0"
	if m.Safe {
		safe = "1"
	}
	b.WriteString(`["` + messageKey + `", ` + safe + ", " + strconv.Itoa(int(m.Level)) + ", ")
	b.Write(jsonString(m.Message))
	if m.ExtraTags != "" || !st.OmitEmptyExtraTags {
		b.WriteString(", ")
		b.Write(jsonString(m.ExtraTags))
	}
	b.WriteString("]")
}

// jsonString is Python's json.dumps of a str (ASCII, \uXXXX escapes).
func jsonString(s string) []byte {
	out, _ := pyjson.Marshal(s) // a string always encodes
	return out
}

// splitList returns the JSON text of each element of a JSON list, after
// checking that the list decodes.
func splitList(stored string) ([]string, error) {
	if stored == "" {
		return nil, nil
	}
	msgs, err := decode(stored)
	if err != nil {
		return nil, err
	}
	items := make([]string, 0, len(msgs))
	for _, m := range msgs {
		items = append(items, m.raw)
	}
	return items, nil
}

// Get returns the session's messages, oldest first, and removes them, as
// iterating over Django's storage does: each message is shown once. Stored
// data that is not Django's encoding is removed and gives no messages.
func (st *Storage) Get(s *sessionkit.Session) []Message {
	msgs := st.Peek(s)
	s.Pop(SessionKey)
	return msgs
}

// Peek returns the session's messages without removing them.
func (st *Storage) Peek(s *sessionkit.Session) []Message {
	stored, _ := s.Get(SessionKey).(string)
	decoded, err := decode(stored)
	if err != nil {
		return nil
	}
	out := make([]Message, len(decoded))
	for i, d := range decoded {
		d.msg.LevelTag = st.tag(d.msg.Level)
		out[i] = d.msg
	}
	return out
}

// Add adds a message with DefaultStorage (see Storage.Add).
func Add(s *sessionkit.Session, level Level, message string, extraTags ...string) bool {
	return DefaultStorage.Add(s, level, message, extraTags...)
}

// Get returns and removes the session's messages with DefaultStorage (see
// Storage.Get).
func Get(s *sessionkit.Session) []Message { return DefaultStorage.Get(s) }

// Peek returns the session's messages without removing them, with
// DefaultStorage.
func Peek(s *sessionkit.Session) []Message { return DefaultStorage.Peek(s) }

// Convenience functions, as Django's messages.debug, info, ...

// AddDebug adds a Debug message (dropped unless Level allows it).
func AddDebug(s *sessionkit.Session, message string, extraTags ...string) bool {
	return Add(s, Debug, message, extraTags...)
}

// AddInfo adds an Info message.
func AddInfo(s *sessionkit.Session, message string, extraTags ...string) bool {
	return Add(s, Info, message, extraTags...)
}

// AddSuccess adds a Success message.
func AddSuccess(s *sessionkit.Session, message string, extraTags ...string) bool {
	return Add(s, Success, message, extraTags...)
}

// AddWarning adds a Warning message.
func AddWarning(s *sessionkit.Session, message string, extraTags ...string) bool {
	return Add(s, Warning, message, extraTags...)
}

// AddError adds an Error message.
func AddError(s *sessionkit.Session, message string, extraTags ...string) bool {
	return Add(s, Error, message, extraTags...)
}

// stored is one decoded message and its JSON text as stored.
type stored struct {
	msg Message
	raw string
}

// decode reads the value Django's SessionStorage stores: a JSON list of
// messages in MessageEncoder's form,
// ["__json_message", is_safedata, level, message(, extra_tags)].
func decode(text string) ([]stored, error) {
	if text == "" {
		return nil, nil
	}
	var items []json.RawMessage
	if err := json.Unmarshal([]byte(text), &items); err != nil {
		return nil, fmt.Errorf("messages: the stored messages are not a JSON list: %w", err)
	}
	out := make([]stored, 0, len(items))
	for _, raw := range items {
		v, err := pyjson.Unmarshal(raw)
		if err != nil {
			return nil, fmt.Errorf("messages: a stored message: %w", err)
		}
		arr, ok := v.([]any)
		if !ok || len(arr) < 4 || len(arr) > 5 || arr[0] != messageKey {
			return nil, fmt.Errorf("messages: %.100s is not a message in Django's encoding", raw)
		}
		level, ok1 := toInt(arr[2])
		text, ok2 := arr[3].(string)
		if !ok1 || !ok2 {
			return nil, fmt.Errorf("messages: %.100s has no integer level or no text", raw)
		}
		m := Message{Level: Level(level), Message: text, Safe: truthy(arr[1])}
		if len(arr) == 5 && arr[4] != nil {
			if m.ExtraTags, ok = arr[4].(string); !ok {
				return nil, fmt.Errorf("messages: %.100s has extra tags that are not a string", raw)
			}
		}
		out = append(out, stored{msg: m, raw: string(raw)})
	}
	return out, nil
}

func toInt(v any) (int, bool) {
	switch n := v.(type) {
	case int:
		return n, true
	case int64:
		return int(n), true
	case float64:
		if n == float64(int(n)) {
			return int(n), true
		}
	}
	return 0, false
}

// truthy is Python's truth of a JSON value, for the is-safedata flag.
func truthy(v any) bool {
	switch x := v.(type) {
	case bool:
		return x
	case int:
		return x != 0
	case int64:
		return x != 0
	case float64:
		return x != 0
	case string:
		return x != ""
	case []any:
		return len(x) > 0
	}
	return v != nil
}
