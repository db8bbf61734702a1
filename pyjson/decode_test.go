package pyjson_test

import (
	"errors"
	"math"
	"math/big"
	"strings"
	"testing"

	"github.com/sessionkit/sessionkit/pyjson"
)

// Each input is decoded and written back; want is what CPython's
// json.dumps(json.loads(in.decode("latin-1")), separators=(",", ":"))
// gives, or "" when json.loads raises.
func TestUnmarshalRoundTripLikePython(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{`{}`, `{}`},
		{` {"a" : 1 , "b":[ ] }` + "\t\r\n", `{"a":1,"b":[]}`},
		{`{"zeta":1,"alpha":2,"mid":[3,4]}`, `{"zeta":1,"alpha":2,"mid":[3,4]}`},
		{`{"a":1,"b":2,"a":3}`, `{"a":3,"b":2}`}, // first position, last value
		{`[1.0,1,1e2,1E-2,-0.0,-0,0.5e1]`, `[1.0,1,100.0,0.01,-0.0,0,5.0]`},
		{`[1e400,-1e400,1e-400]`, `[Infinity,-Infinity,0.0]`},
		{`[NaN,Infinity,-Infinity]`, `[NaN,Infinity,-Infinity]`},
		{`18446744073709551617`, `18446744073709551617`},
		{`-18446744073709551617`, `-18446744073709551617`},
		{`9223372036854775807`, `9223372036854775807`},
		{`-9223372036854775808`, `-9223372036854775808`},
		{`123456789012345678`, `123456789012345678`},
		{`"\u00e9\ud83d\ude00\/"`, `"\u00e9\ud83d\ude00/"`},
		{`"\uD83D\uDE00"`, `"\ud83d\ude00"`},
		{`"\ud800"`, `"\ud800"`},             // lone high surrogate survives
		{`"\udc00\ud800"`, `"\udc00\ud800"`}, // reversed pair stays two
		{`"\ud800\u0041"`, `"\ud800A"`},      // high + non-low: both kept
		{`"\ud800\ud800\udc00"`, `"\ud800\ud800\udc00"`},
		{"\"\xc3\xa9\xe6\xb8\x85\"", `"\u00c3\u00a9\u00e6\u00b8\u0085"`}, // raw UTF-8 read as Latin-1
		{"\"\x7f\xff\"", `"\u007f\u00ff"`},
		{`"\b\f\n\r\t\"\\"`, `"\b\f\n\r\t\"\\"`},
		{`[true,false,null]`, `[true,false,null]`},
		{`{"a":{"b":{"c":[{"d":null}]}}}`, `{"a":{"b":{"c":[{"d":null}]}}}`},
		// Rejected by json.loads:
		{``, ``},
		{` `, ``},
		{`{`, ``},
		{`{"a"}`, ``},
		{`{"a":}`, ``},
		{`{"a":1,}`, ``},
		{`{a:1}`, ``},
		{`{'a':1}`, ``},
		{`[1,]`, ``},
		{`[1 2]`, ``},
		{`01`, ``},
		{`1.`, ``},
		{`.5`, ``},
		{`1e`, ``},
		{`+1`, ``},
		{`-`, ``},
		{`-NaN`, ``},
		{`nan`, ``},
		{`infinity`, ``},
		{`tru`, ``},
		{`"abc`, ``},
		{`"\x"`, ``},
		{`"\u12"`, ``},
		{`"\u12g4"`, ``},
		{`"\ud800\u12"`, ``},
		{"\"a\x01\"", ``},
		{"\"a\n\"", ``},
		{`{} {}`, ``},
		{`[] x`, ``},
		{"\xef\xbb\xbf{}", ``}, // a UTF-8 BOM is three Latin-1 characters
		{"\x0b1", ``},          // vertical tab is not JSON whitespace
		{"\xa01", ``},          // nor is NO-BREAK SPACE
	}
	for _, tt := range tests {
		v, err := pyjson.UnmarshalOrdered([]byte(tt.in))
		if tt.want == "" {
			if err == nil {
				t.Errorf("UnmarshalOrdered(%q) = %#v, want an error", tt.in, v)
			}
			var se *pyjson.SyntaxError
			if err != nil && !errors.As(err, &se) {
				t.Errorf("UnmarshalOrdered(%q) error %v is not a *SyntaxError", tt.in, err)
			}
			continue
		}
		if err != nil {
			t.Errorf("UnmarshalOrdered(%q): %v", tt.in, err)
			continue
		}
		got, err := pyjson.Marshal(v)
		if err != nil {
			t.Errorf("Marshal(UnmarshalOrdered(%q)): %v", tt.in, err)
			continue
		}
		if string(got) != tt.want {
			t.Errorf("round trip of %q\n got %s\nwant %s", tt.in, got, tt.want)
		}
	}
}

func TestUnmarshalTypes(t *testing.T) {
	v, err := pyjson.Unmarshal([]byte(`{"i":7,"f":7.0,"big":18446744073709551617,"s":"x","b":true,"n":null,"l":[1],"o":{"k":1}}`))
	if err != nil {
		t.Fatal(err)
	}
	m, ok := v.(map[string]any)
	if !ok {
		t.Fatalf("Unmarshal returned %T, want map[string]any", v)
	}
	if i, ok := m["i"].(int); !ok || i != 7 {
		t.Errorf(`"i" = %#v, want int 7`, m["i"])
	}
	if f, ok := m["f"].(float64); !ok || f != 7 {
		t.Errorf(`"f" = %#v, want float64 7`, m["f"])
	}
	want, _ := new(big.Int).SetString("18446744073709551617", 10)
	if b, ok := m["big"].(*big.Int); !ok || b.Cmp(want) != 0 {
		t.Errorf(`"big" = %#v, want *big.Int %v`, m["big"], want)
	}
	if s, ok := m["s"].(string); !ok || s != "x" {
		t.Errorf(`"s" = %#v`, m["s"])
	}
	if b, ok := m["b"].(bool); !ok || !b {
		t.Errorf(`"b" = %#v`, m["b"])
	}
	if n, ok := m["n"]; !ok || n != nil {
		t.Errorf(`"n" = %#v, %v`, n, ok)
	}
	if l, ok := m["l"].([]any); !ok || len(l) != 1 {
		t.Errorf(`"l" = %#v`, m["l"])
	}
	if _, ok := m["o"].(map[string]any); !ok {
		t.Errorf(`"o" = %T, want map[string]any`, m["o"])
	}

	v, err = pyjson.UnmarshalOrdered([]byte(`{"o":{"k":[{"x":1}]}}`))
	if err != nil {
		t.Fatal(err)
	}
	top := v.(*pyjson.Object)
	inner, _ := top.Get("o")
	io, ok := inner.(*pyjson.Object)
	if !ok {
		t.Fatalf("nested object is %T, want *pyjson.Object", inner)
	}
	list, _ := io.Get("k")
	if _, ok := list.([]any)[0].(*pyjson.Object); !ok {
		t.Errorf("object in a list is %T, want *pyjson.Object", list.([]any)[0])
	}
}

func TestDecodeObject(t *testing.T) {
	o, err := pyjson.DecodeObject([]byte(` {"b":1,"a":{"y":1,"x":2},"b":2} `))
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(o.Keys(), ","); got != "b,a" {
		t.Errorf("keys = %s, want b,a", got)
	}
	if v, _ := o.Get("b"); v != 2 {
		t.Errorf(`"b" = %v, want the last value 2`, v)
	}
	if v, _ := o.Get("a"); v == nil {
		t.Error(`"a" missing`)
	} else if _, ok := v.(map[string]any); !ok {
		t.Errorf(`nested object is %T, want map[string]any`, v)
	}

	for _, in := range []string{`[1]`, `"s"`, `1`, `null`, ``, `{"a":1} x`, `{"a":1`, `{]`} {
		if o, err := pyjson.DecodeObject([]byte(in)); err == nil {
			t.Errorf("DecodeObject(%q) = %v, want an error", in, o.Keys())
		}
	}
	_, err = pyjson.DecodeObject([]byte(`  [1,2]`))
	var se *pyjson.SyntaxError
	if !errors.As(err, &se) || se.Offset != 2 || !strings.Contains(err.Error(), "found an array") {
		t.Errorf("DecodeObject of an array: %v, want a SyntaxError at offset 2 naming an array", err)
	}
}

func TestUnmarshalUTF8(t *testing.T) {
	v, err := pyjson.UnmarshalUTF8([]byte(`{"k":"é清😀","n":1.0}`))
	if err != nil {
		t.Fatal(err)
	}
	got, _ := pyjson.Marshal(v)
	if want := `{"k":"\u00e9\u6e05\ud83d\ude00","n":1.0}`; string(got) != want {
		t.Errorf("got %s, want %s", got, want)
	}
	_, err = pyjson.UnmarshalUTF8([]byte("{\"k\":\"a\xffb\"}"))
	var se *pyjson.SyntaxError
	if !errors.As(err, &se) || se.Offset != 7 {
		t.Errorf("invalid UTF-8: %v, want a SyntaxError at offset 7", err)
	}
}

func TestSyntaxErrorOffsets(t *testing.T) {
	tests := []struct {
		in     string
		offset int64
		msg    string
	}{
		{``, 0, "expecting value"},
		{`[1,]`, 3, "expecting value"},
		{`{"a" 1}`, 5, "expecting ':' delimiter"},
		{`{"a":1 "b":2}`, 7, "expecting ',' delimiter"},
		{`{1:2}`, 1, "expecting property name enclosed in double quotes"},
		{`[1] [2]`, 4, "extra data"},
		{`  "abc`, 2, "unterminated string starting"},
		{"\"ab\x01\"", 3, "invalid control character"},
		{`"a\qb"`, 2, "invalid \\escape"},
		{`"\u00zz"`, 1, "invalid \\uXXXX escape"},
	}
	for _, tt := range tests {
		_, err := pyjson.Unmarshal([]byte(tt.in))
		var se *pyjson.SyntaxError
		if !errors.As(err, &se) {
			t.Errorf("Unmarshal(%q) error = %v, want *SyntaxError", tt.in, err)
			continue
		}
		if se.Offset != tt.offset || !strings.Contains(se.Error(), tt.msg) {
			t.Errorf("Unmarshal(%q) error = %q (offset %d), want %q at offset %d", tt.in, se, se.Offset, tt.msg, tt.offset)
		}
	}
}

func TestUnmarshalLimits(t *testing.T) {
	// Python refuses integers of more than 4300 digits (CVE-2020-10735).
	ok := strings.Repeat("9", 4300)
	if v, err := pyjson.Unmarshal([]byte(ok)); err != nil {
		t.Errorf("4300 digits: %v", err)
	} else if b, isBig := v.(*big.Int); !isBig || b.String() != ok {
		t.Errorf("4300 digits decoded to %T", v)
	}
	if _, err := pyjson.Unmarshal([]byte("-" + ok + "9")); err == nil || !strings.Contains(err.Error(), "4301 digits") {
		t.Errorf("4301 digits: err = %v, want a digit-limit error", err)
	}
	// Floats have no such limit in Python.
	if v, err := pyjson.Unmarshal([]byte(ok + ".5")); err != nil || !math.IsInf(v.(float64), 1) {
		t.Errorf("long float = %v, %v; want +Inf", v, err)
	}

	// Nesting: about Python's limit, and what is decoded encodes again,
	// even inside a few more levels.
	n := pyjson.MaxDecodeDepth
	deep := strings.Repeat("[", n) + strings.Repeat("]", n)
	v, err := pyjson.Unmarshal([]byte(deep))
	if err != nil {
		t.Fatalf("%d levels: %v", n, err)
	}
	if _, err := pyjson.Marshal(map[string]any{"a": []any{map[string]any{"b": v}}}); err != nil {
		t.Errorf("%d levels decoded but not encoded again: %v", n, err)
	}
	deeper := strings.Repeat(`{"a":`, n+1) + "1" + strings.Repeat("}", n+1)
	if _, err := pyjson.Unmarshal([]byte(deeper)); err == nil || !strings.Contains(err.Error(), "nested more than") {
		t.Errorf("%d levels: err = %v, want a nesting error", n+1, err)
	}
	// Numbers at the limits encode again.
	for _, in := range []string{ok, "-" + ok, ok + ".5", "1e400", "-1e400"} {
		v, err := pyjson.Unmarshal([]byte(in))
		if err != nil {
			t.Fatalf("%.10s…: %v", in, err)
		}
		if _, err := pyjson.Marshal(v); err != nil {
			t.Errorf("%.10s… decoded but not encoded again: %v", in, err)
		}
	}
}

// The decoded value never aliases the input, so callers may reuse buffers.
func TestUnmarshalDoesNotAliasInput(t *testing.T) {
	in := []byte(`{"k":"value","l":["x"]}`)
	v, err := pyjson.UnmarshalOrdered(in)
	if err != nil {
		t.Fatal(err)
	}
	for i := range in {
		in[i] = 'z'
	}
	got, _ := pyjson.Marshal(v)
	if string(got) != `{"k":"value","l":["x"]}` {
		t.Errorf("after overwriting the input, value is %s", got)
	}
}
