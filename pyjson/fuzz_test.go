package pyjson_test

import (
	"math"
	"math/big"
	"strings"
	"testing"

	"github.com/sessionkit/sessionkit/pyjson"
)

// equal compares decoded values exactly: types, key order of *Object,
// float bits (so -0.0 differs from 0.0 and NaN equals NaN).
func equal(a, b any) bool {
	switch x := a.(type) {
	case nil:
		return b == nil
	case bool, string, int, int64:
		return a == b
	case float64:
		y, ok := b.(float64)
		return ok && (math.Float64bits(x) == math.Float64bits(y) || math.IsNaN(x) && math.IsNaN(y))
	case *big.Int:
		y, ok := b.(*big.Int)
		return ok && x.Cmp(y) == 0
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !equal(x[i], y[i]) {
				return false
			}
		}
		return true
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for k, v := range x {
			w, ok := y[k]
			if !ok || !equal(v, w) {
				return false
			}
		}
		return true
	case *pyjson.Object:
		y, ok := b.(*pyjson.Object)
		if !ok || x.Len() != y.Len() {
			return false
		}
		xk, yk := x.Keys(), y.Keys()
		for i, k := range xk {
			if yk[i] != k {
				return false
			}
			v, _ := x.Get(k)
			w, _ := y.Get(k)
			if !equal(v, w) {
				return false
			}
		}
		return true
	}
	return false
}

// FuzzUnmarshal: decoding never panics, and whatever decodes is written by
// Marshal in a form that decodes to an equal value and is written
// identically again (Marshal's output is a fixed point).
func FuzzUnmarshal(f *testing.F) {
	for _, s := range []string{
		`{"a":1,"b":[1.0,2,1e400,NaN,-Infinity],"a":3}`,
		`{"user":{"id":42,"roles":["admin","staff"],"prefs":{"theme":"dark","tz":null}}}`,
		`"\ud83d\ude00\ud800x\u00e9"`,
		"\"\xc3\xa9\xff\"",
		`[1e16,1000000000000000.0,9999999999999998.0,0.0001,1e-05,-0.0,2.5e-07,5e-324]`,
		`18446744073709551617`,
		`[[[[{}]]]]`,
		`{"a" 1}`,
		`"\ud800\u`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		v, err := pyjson.UnmarshalOrdered(data)
		m, errMap := pyjson.Unmarshal(data)
		if (err == nil) != (errMap == nil) {
			t.Fatalf("UnmarshalOrdered err %v but Unmarshal err %v", err, errMap)
		}
		if err != nil {
			return
		}
		out, err := pyjson.Marshal(v)
		if err != nil {
			t.Fatalf("Marshal(UnmarshalOrdered(%q)): %v", data, err)
		}
		v2, err := pyjson.UnmarshalOrdered(out)
		if err != nil {
			t.Fatalf("re-decoding %q: %v", out, err)
		}
		if !equal(v, v2) {
			t.Fatalf("%q decoded, written as %q, decodes differently", data, out)
		}
		out2, err := pyjson.Marshal(v2)
		if err != nil || string(out2) != string(out) {
			t.Fatalf("second write %q (err %v) differs from first %q", out2, err, out)
		}
		for _, c := range out {
			if c < 0x20 || c > 0x7e {
				t.Fatalf("Marshal wrote byte %#x outside printable ASCII: %q", c, out)
			}
		}
		mout, err := pyjson.Marshal(m)
		if err != nil {
			t.Fatalf("Marshal(Unmarshal(%q)): %v", data, err)
		}
		if m2, err := pyjson.Unmarshal(mout); err != nil || !equal(m, m2) {
			t.Fatalf("map form of %q does not round-trip: %q, %v", data, mout, err)
		}
	})
}

// FuzzDecodeObject: DecodeObject, which checks values at once but builds
// them only when read, accepts exactly what Unmarshal accepts as a
// top-level object, with the same error; its values equal Unmarshal's
// whether read or not; and what it writes back, values read or not,
// decodes to the same object. The input is reused after decoding, as a
// store's buffer may be, to show the Object kept nothing of it.
func FuzzDecodeObject(f *testing.F) {
	for _, s := range []string{
		`{"a":1,"b":[1.0,2,1e400,NaN,-Infinity],"a":3}`,
		`{"user":{"id":42,"roles":["admin","staff"],"prefs":{"theme":"dark","tz":null}}}`,
		`{"s":"\ud83d\ude00\ud800x\u00e9","t":"\u0000"}`,
		"{\"latin\":\"\xc3\xa9\xff\",\"n\":1}",
		`{"x":[1e16,1000000000000000.0,-0.0,5e-324],"y":18446744073709551617}`,
		`{ "a" : [ 1 , 2 ] , "b" : { } }`,
		`{"a":[[[[{}]]]],"a":"again"}`,
		`{"a" 1}`,
		`{"a":[1,}`,
		`{"a":"\ud800\u"}`,
		`{}`,
		`[]`,
		// Edges of the checks made while values stay undecoded, and of
		// the text kept for each.
		`{"a":[1,]}`, `{"a":01}`, `{"a":1.}`, `{"a":1e}`, `{"a":1e+5,"b":-0.5E-3}`,
		`{"a":-Infinity}`, `{"a":{"b":1,}}`, `{"a":{"b" 1}}`, `{"a":{,}}`, `{"a":[,1]}`,
		`{"a":"\ud800\uZZZZ"}`, `{"a":"\x"}`, "{\"a\":\"tab\tin\"}", `{"a":tru}`, `{"a":nul}`,
		`{"a":123456789012345678,"b":1234567890123456789,"c":-12345678901234567}`,
		`{"a":` + strings.Repeat("[", 70) + strings.Repeat("]", 70) + `}`,
		`{"a":` + strings.Repeat(`{"b":`, 62) + `1` + strings.Repeat("}", 62) + `}`,
		`{"a" : [ 1 , { "b" : null } ] , "c" : true }`,
	} {
		f.Add([]byte(s), uint8(0))
	}
	f.Fuzz(func(t *testing.T, data []byte, readMask uint8) {
		want, wantErr := pyjson.Unmarshal(data)
		wantObj, isObj := want.(map[string]any)
		input := append([]byte(nil), data...)
		o, err := pyjson.DecodeObject(input)
		switch {
		case wantErr != nil:
			if err == nil || err.Error() != wantErr.Error() {
				t.Fatalf("DecodeObject(%q) error %v, Unmarshal error %v", data, err, wantErr)
			}
			return
		case !isObj:
			if err == nil {
				t.Fatalf("DecodeObject(%q) accepted a %T", data, want)
			}
			return
		case err != nil:
			t.Fatalf("DecodeObject(%q): %v, but Unmarshal accepts it", data, err)
		}
		for i := range input {
			input[i] = 'X' // the caller reuses its buffer
		}
		if o.Len() != len(wantObj) {
			t.Fatalf("%q: %d keys, want %d", data, o.Len(), len(wantObj))
		}
		// Read some values (chosen by the fuzzer), write, then read all.
		for i, k := range o.Keys() {
			if readMask&(1<<(i%8)) != 0 {
				if v, _ := o.Get(k); !equal(v, wantObj[k]) {
					t.Fatalf("%q: key %q read as %#v, want %#v", data, k, v, wantObj[k])
				}
			}
		}
		out, err := pyjson.Marshal(o)
		if err != nil {
			t.Fatalf("Marshal(DecodeObject(%q)): %v", data, err)
		}
		back, err := pyjson.Unmarshal(out)
		if err != nil || !equal(back, want) {
			t.Fatalf("%q written back as %q, which decodes to %#v (%v)", data, out, back, err)
		}
		for k, v := range o.All() {
			if !equal(v, wantObj[k]) {
				t.Fatalf("%q: key %q iterated as %#v, want %#v", data, k, v, wantObj[k])
			}
		}
		for _, c := range out {
			if c >= 0x80 {
				t.Fatalf("%q written back with byte %#x: not pure ASCII: %q", data, c, out)
			}
		}
	})
}
