package pyjson_test

import (
	"encoding/json"
	"errors"
	"math"
	"math/big"
	"math/rand/v2"
	"net/netip"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sessionkit/sessionkit/pyjson"
)

type textKey struct{ a, b string }

func (k textKey) MarshalText() ([]byte, error) { return []byte(k.a + "/" + k.b), nil }

type level int

func (l level) MarshalJSON() ([]byte, error) {
	return []byte(`{"level": ` + strconv.Itoa(int(l)) + `, "name": "lvl\u00e9", "f": 2e0}`), nil
}

type ptrMarshaler struct{ n int }

func (p *ptrMarshaler) MarshalJSON() ([]byte, error) { return []byte(strconv.Itoa(p.n * 10)), nil }

type failing struct{}

func (failing) MarshalJSON() ([]byte, error) { return nil, errors.New("boom") }

type badJSON struct{}

func (badJSON) MarshalJSON() ([]byte, error) { return []byte(`{"a":`), nil }

type cart struct {
	Items    []string       `json:"items"`
	Total    float64        `json:"total"`
	Coupon   *string        `json:"coupon"`
	Note     string         `json:"note,omitempty"`
	Extra    map[string]int `json:"extra"`
	internal int
}

// Expected outputs are what CPython's json.dumps(v, separators=(",", ":"))
// writes for the equivalent Python value; the ones marked "vector" are
// copied from the Django vector files (dumps_loads.json).
func TestMarshal(t *testing.T) {
	negZero := math.Copysign(0, -1)
	ordered := new(pyjson.Object)
	ordered.Set("zeta", 1)
	ordered.Set("alpha", 2)
	ordered.Set("mid", []any{3, 4})
	big2_64p1, _ := new(big.Int).SetString("18446744073709551617", 10)
	coupon := "SAVE10"
	tests := []struct {
		name string
		in   any
		want string
	}{
		{"nil", nil, `null`},
		{"true", true, `true`},
		{"false", false, `false`},
		{"string", "hello", `"hello"`},
		{"empty string", "", `""`},
		// vector: html_chars
		{"html and controls", map[string]any{"s": "</script><b>&amp;\u2028\u2029", "ctrl": "\x00\x01\x1f\x7f", "q": `"'\/`},
			`{"ctrl":"\u0000\u0001\u001f\u007f","q":"\"'\\/","s":"</script><b>&amp;\u2028\u2029"}`},
		{"short escapes", "\b\f\n\r\t", `"\b\f\n\r\t"`},
		// vector: unicode
		{"unicode", "h\u00e9llo w\u00f6rld \u2713 \U0001F600 \u6e05\u98a8", `"h\u00e9llo w\u00f6rld \u2713 \ud83d\ude00 \u6e05\u98a8"`},
		{"latin-1 range", "\u0080\u00ff", `"\u0080\u00ff"`},
		{"U+FFFD itself", "\ufffd", `"\ufffd"`},
		{"invalid UTF-8", "a\xffb", `"a\ufffdb"`},
		{"lone surrogate (WTF-8)", "\xed\xa0\x80", `"\ud800"`},
		{"truncated WTF-8", "\xed\xa0", `"\ufffd\ufffd"`},
		{"int", 1, `1`},
		{"negative int", -7, `-7`},
		{"int8", int8(-128), `-128`},
		{"int16", int16(300), `300`},
		{"int32", int32(-5), `-5`},
		{"int64", int64(math.MaxInt64), `9223372036854775807`},
		{"uint", uint(7), `7`},
		{"uint8", uint8(255), `255`},
		{"uint16", uint16(65535), `65535`},
		{"uint32", uint32(math.MaxUint32), `4294967295`},
		{"uint64", uint64(math.MaxUint64), `18446744073709551615`},
		{"uintptr", uintptr(9), `9`},
		{"big.Int", big2_64p1, `18446744073709551617`},
		{"nil big.Int", (*big.Int)(nil), `null`},
		// vector: float_repr and numbers
		{"float 1e16", 1e16, `1e+16`},
		{"float 1e15", 1e15, `1000000000000000.0`},
		{"float 9999999999999998", 9999999999999998.0, `9999999999999998.0`},
		{"float 0.0001", 0.0001, `0.0001`},
		{"float 1e-05", 1e-05, `1e-05`},
		{"float 123456789.125", 123456789.125, `123456789.125`},
		{"float -0.0", negZero, `-0.0`},
		{"float 0.0", 0.0, `0.0`},
		{"float 2.5e-07", 2.5e-07, `2.5e-07`},
		{"float max", math.MaxFloat64, `1.7976931348623157e+308`},
		{"float min subnormal", 5e-324, `5e-324`},
		{"float 0.1", 0.1, `0.1`},
		{"float 1.0", 1.0, `1.0`},
		{"float 1e+100", 1e100, `1e+100`},
		{"float 1.5e-10", 1.5e-10, `1.5e-10`},
		{"float NaN", math.NaN(), `NaN`},
		{"float +inf", math.Inf(1), `Infinity`},
		{"float -inf", math.Inf(-1), `-Infinity`},
		{"float32 0.1", float32(0.1), `0.1`},
		{"float32 3", float32(3), `3.0`},
		{"json.Number int", json.Number("12345678901234567890"), `12345678901234567890`},
		{"json.Number float", json.Number("1E2"), `100.0`},
		{"json.Number 1.50", json.Number("1.50"), `1.5`},
		{"json.Number -0", json.Number("-0"), `0`},
		{"json.Number huge", json.Number("1e400"), `Infinity`},
		{"json.Number empty", json.Number(""), `0`},
		// vector: dict_insertion_order
		{"ordered object", ordered, `{"zeta":1,"alpha":2,"mid":[3,4]}`},
		{"Object value", *ordered, `{"zeta":1,"alpha":2,"mid":[3,4]}`},
		{"nil *Object", (*pyjson.Object)(nil), `null`},
		{"empty Object", new(pyjson.Object), `{}`},
		{"map sorted", map[string]any{"b": 1, "a": 2, "é": 3}, `{"a":2,"b":1,"\u00e9":3}`},
		{"map[string]string", map[string]string{"y": "1", "x": "2"}, `{"x":"2","y":"1"}`},
		{"map[string]int", map[string]int{"y": 1, "x": 2}, `{"x":2,"y":1}`},
		{"map int keys", map[int]bool{10: true, 9: false, -1: true}, `{"-1":true,"10":true,"9":false}`},
		{"map uint keys", map[uint8]int{2: 1}, `{"2":1}`},
		{"map text keys", map[textKey]int{{"a", "b"}: 1}, `{"a/b":1}`},
		{"nil map", map[string]any(nil), `null`},
		{"nil map of ints", map[string]int(nil), `null`},
		{"empty map", map[string]any{}, `{}`},
		{"list", []any{"a", "list"}, `["a","list"]`},
		{"nested", map[string]any{"user": map[string]any{"id": 42, "roles": []string{"admin", "staff"}, "prefs": map[string]any{"theme": "dark", "tz": nil}}},
			`{"user":{"id":42,"prefs":{"theme":"dark","tz":null},"roles":["admin","staff"]}}`},
		{"nil slice", []any(nil), `null`},
		{"nil []string", []string(nil), `null`},
		{"empty slice", []any{}, `[]`},
		{"[]int", []int{1, 2, 3}, `[1,2,3]`},
		{"[]float64", []float64{1, 0.5}, `[1.0,0.5]`},
		{"array", [2]string{"a", "b"}, `["a","b"]`},
		{"byte array", [2]byte{1, 2}, `[1,2]`},
		{"[]byte", []byte("hi"), `"aGk="`},
		{"pointer", &coupon, `"SAVE10"`},
		{"nil pointer", (*string)(nil), `null`},
		{"named string", level2("x"), `"x"`},
		{"time UTC", time.Date(2030, 1, 2, 3, 4, 5, 678901234, time.UTC), `"2030-01-02T03:04:05.678901+00:00"`},
		{"time whole seconds", time.Date(2023, 11, 14, 22, 13, 20, 0, time.UTC), `"2023-11-14T22:13:20+00:00"`},
		{"time sub-microsecond dropped", time.Date(2023, 11, 14, 22, 13, 20, 999, time.UTC), `"2023-11-14T22:13:20+00:00"`},
		{"time offset", time.Date(2030, 1, 2, 3, 4, 5, 6000, time.FixedZone("", 5*3600+30*60)), `"2030-01-02T03:04:05.000006+05:30"`},
		{"time negative offset with seconds", time.Date(1, 1, 1, 0, 0, 0, 0, time.FixedZone("", -(3600+15))), `"0001-01-01T00:00:00-01:00:15"`},
		{"time in a list", []time.Time{time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)}, `["2030-01-02T03:04:05+00:00"]`},
		{"json.Marshaler rewritten", level(3), `{"level":3,"name":"lvl\u00e9","f":2.0}`},
		{"pointer-receiver Marshaler in slice", []ptrMarshaler{{1}, {2}}, `[10,20]`},
		{"TextMarshaler", netip.MustParseAddr("192.0.2.1"), `"192.0.2.1"`},
		{"RawMessage", json.RawMessage(`{"b": 1, "a": [1.0, "\u00e9"]}`), `{"b":1,"a":[1.0,"\u00e9"]}`},
		{"struct via encoding/json", cart{Items: []string{"<a>"}, Total: 3, Extra: map[string]int{"z": 1, "a": 2}},
			`{"items":["<a>"],"total":3,"coupon":null,"extra":{"a":2,"z":1}}`},
		{"struct with pointer", cart{Coupon: &coupon, Note: "é"}, `{"items":null,"total":0,"coupon":"SAVE10","note":"\u00e9","extra":null}`},
		{"pointer to struct with pointer-method field", &withPtrField{P: ptrMarshaler{4}}, `{"P":40}`},
		{"pointer to time", func() *time.Time { t := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC); return &t }(), `"2030-01-02T03:04:05+00:00"`},
		{"struct holding an Object", struct {
			O *pyjson.Object `json:"o"`
		}{ordered}, `{"o":{"zeta":1,"alpha":2,"mid":[3,4]}}`},
		{"interface slice of mixed", []any{1, 1.0, "1", true, nil, []any{}, map[string]any{}}, `[1,1.0,"1",true,null,[],{}]`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := pyjson.Marshal(tt.in)
			if err != nil {
				t.Fatalf("Marshal(%#v): %v", tt.in, err)
			}
			if string(got) != tt.want {
				t.Errorf("Marshal(%#v)\n got %s\nwant %s", tt.in, got, tt.want)
			}
		})
	}
}

type level2 string

type withPtrField struct{ P ptrMarshaler }

func TestMarshalErrors(t *testing.T) {
	self := map[string]any{}
	self["self"] = self
	loop := new(pyjson.Object)
	loop.Set("me", loop)
	tests := []struct {
		name string
		in   any
		want string // substring of the error
	}{
		{"chan", make(chan int), "unsupported type chan int"},
		{"func", func() {}, "unsupported type func()"},
		{"complex", complex(1, 2), "unsupported type complex128"},
		{"map with float keys", map[float64]int{1: 1}, "unsupported type map[float64]int"},
		{"chan in a list", []any{1, make(chan bool)}, "unsupported type chan bool"},
		{"chan in an Object", func() *pyjson.Object { o := new(pyjson.Object); o.Set("c", make(chan int)); return o }(), "unsupported type chan int"},
		{"map cycle", self, "nested more than"},
		{"Object cycle", loop, "nested more than"},
		{"failing Marshaler", failing{}, "boom"},
		{"Marshaler writing bad JSON", badJSON{}, "expecting value"},
		{"struct with chan", struct{ C chan int }{}, "unsupported type"},
		{"bad json.Number", json.Number("1x"), `invalid json.Number "1x"`},
		{"json.Number with plus", json.Number("+1"), `invalid json.Number`},
		{"year 10000", time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC), "years 1 to 9999"},
		{"year 0", time.Time{}.Add(-time.Hour), "years 1 to 9999"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := pyjson.Marshal(tt.in)
			if err == nil {
				t.Fatalf("Marshal = %s, want an error containing %q", got, tt.want)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not contain %q", err, tt.want)
			}
		})
	}
	var ute *pyjson.UnsupportedTypeError
	if _, err := pyjson.Marshal(make(chan int)); !errors.As(err, &ute) || ute.Type != reflect.TypeFor[chan int]() {
		t.Errorf("error for a chan = %v, want *UnsupportedTypeError naming chan int", err)
	}
}

func TestAppendMarshal(t *testing.T) {
	dst := []byte("prefix:")
	got, err := pyjson.AppendMarshal(dst, map[string]any{"a": 1})
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != `prefix:{"a":1}` {
		t.Errorf("AppendMarshal = %q", got)
	}
}

// pythonRepr is an independent model of CPython's float_repr
// (format_float_short with mode 'r'): take the shortest round-tripping
// digits and decimal point position, then use exponent notation iff the
// point is more than 16 places right or 4 places left of the first digit.
func pythonRepr(f float64) string {
	switch {
	case math.IsNaN(f):
		return "NaN"
	case math.IsInf(f, 1):
		return "Infinity"
	case math.IsInf(f, -1):
		return "-Infinity"
	}
	s := strconv.FormatFloat(f, 'g', -1, 64) // shortest digits; layout varies
	sign := ""
	if s[0] == '-' {
		sign, s = "-", s[1:]
	}
	mant, exp := s, 0
	if i := strings.IndexByte(s, 'e'); i >= 0 {
		mant = s[:i]
		exp, _ = strconv.Atoi(s[i+1:])
	}
	point := strings.IndexByte(mant, '.')
	if point < 0 {
		point = len(mant)
	}
	digits := strings.Replace(mant, ".", "", 1)
	decpt := point + exp
	lead := len(digits) - len(strings.TrimLeft(digits, "0"))
	digits = strings.TrimLeft(digits, "0")
	decpt -= lead
	digits = strings.TrimRight(digits, "0")
	if digits == "" {
		return sign + "0.0"
	}
	if decpt > 16 || decpt < -3 {
		e := decpt - 1
		es := "+"
		if e < 0 {
			es, e = "-", -e
		}
		m := digits[:1]
		if len(digits) > 1 {
			m += "." + digits[1:]
		}
		return sign + m + "e" + es + fmt2(e)
	}
	switch {
	case decpt <= 0:
		return sign + "0." + strings.Repeat("0", -decpt) + digits
	case decpt >= len(digits):
		return sign + digits + strings.Repeat("0", decpt-len(digits)) + ".0"
	default:
		return sign + digits[:decpt] + "." + digits[decpt:]
	}
}

func fmt2(e int) string {
	s := strconv.Itoa(e)
	if len(s) < 2 {
		s = "0" + s
	}
	return s
}

func TestMarshalFloatMatchesPythonRepr(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	check := func(f float64) {
		t.Helper()
		got, err := pyjson.Marshal(f)
		if err != nil {
			t.Fatal(err)
		}
		if want := pythonRepr(f); string(got) != want {
			t.Fatalf("Marshal(%v [%#x]) = %s, Python writes %s", f, math.Float64bits(f), got, want)
		}
		back, err := pyjson.Unmarshal(got)
		if err != nil {
			t.Fatal(err)
		}
		if b, ok := back.(float64); !ok || math.Float64bits(b) != math.Float64bits(f) && !math.IsNaN(f) {
			t.Fatalf("Unmarshal(%s) = %#v, want %v", got, back, f)
		}
	}
	// The edges of the positional range, and powers of ten around them.
	for e := -330; e <= 310; e++ {
		p := math.Pow(10, float64(e))
		check(p)
		check(math.Nextafter(p, 0))
		check(math.Nextafter(p, math.Inf(1)))
		check(-p)
	}
	for range 30000 {
		check(math.Float64frombits(r.Uint64()))
		check(r.NormFloat64() * math.Pow(10, float64(r.IntN(44)-22)))
		check(float64(r.IntN(1<<30)) * math.Pow(10, float64(r.IntN(30)-12)))
	}
}
