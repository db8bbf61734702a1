package pyjson

import (
	"encoding"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/big"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf16"
	"unicode/utf8"
)

// maxDepth bounds nesting when encoding, so that a cycle ends in an error
// rather than a stack overflow. It is encoding/json's limit.
const maxDepth = 10000

// MaxDecodeDepth bounds nesting when decoding: about where Python's json
// gives up (its recursion limit is 1000), so nothing Django could not read
// is accepted, and far below maxDepth, so that whatever was decoded can be
// encoded again even inside a few more levels (a session inside an answer).
const MaxDecodeDepth = 990

// UnsupportedTypeError is returned by Marshal for a value JSON cannot
// carry: channels, functions, complex numbers, maps with keys that are not
// strings or integers.
type UnsupportedTypeError struct {
	Type reflect.Type
}

func (e *UnsupportedTypeError) Error() string {
	return "pyjson: unsupported type " + e.Type.String() + "; store strings, numbers, bools, nil, slices, maps with string keys, *pyjson.Object, time.Time or a type encoding/json can marshal"
}

var errTooDeep = fmt.Errorf("pyjson: value nested more than %d levels deep (does it contain itself?)", maxDepth)

// Marshal returns the JSON encoding of v, byte for byte what Python's
// json.dumps(v, separators=(",", ":")) returns for the equivalent Python
// value, which is what Django's JSONSerializer writes:
//
//   - no whitespace; objects keep their order (*Object) or are sorted by key
//     (Go maps, which have no order);
//   - every character outside U+0020–U+007E, DEL included, is written as a
//     \uXXXX escape with lowercase hex, characters above U+FFFF as a UTF-16
//     surrogate pair; \" \\ \n \r \t \b \f use their short forms; / < > &
//     are not escaped. Invalid UTF-8 in a string is written as \ufffd,
//     except the 3-byte form of a lone surrogate (see Unmarshal), which is
//     written back as that surrogate;
//   - floats as Python's repr: 1.0, 0.1, 1e+16, 1e-05, -0.0, NaN, Infinity,
//     -Infinity (float32 values with the fewest digits that identify the
//     float32); integers and *big.Int exactly;
//   - time.Time as Python's datetime.isoformat(), e.g.
//     "2030-01-02T03:04:05.678901+00:00" (microseconds omitted when zero,
//     finer precision dropped);
//   - json.Number as the number Python would read from it ("1E2" → 100.0);
//   - json.Marshaler, encoding.TextMarshaler, []byte (base64), nil slices
//     and maps (null), structs and named types as encoding/json would, then
//     written in Python's format. Fields of a struct are therefore written
//     as encoding/json writes them: a float64 field holding 3 comes out as
//     3, not 3.0, and a time.Time field in RFC 3339 ("...Z"); store such
//     values directly (or in an Object) where Django must read a float or
//     an isoformat() string.
//
// Channels, functions and complex numbers give an *UnsupportedTypeError.
func Marshal(v any) ([]byte, error) {
	return AppendMarshal(nil, v)
}

// AppendMarshal appends the JSON encoding of v (see Marshal) to dst and
// returns the extended buffer. On error, the returned buffer holds dst
// plus whatever was written before the error.
func AppendMarshal(dst []byte, v any) ([]byte, error) {
	return appendValue(dst, v, 0)
}

var (
	marshalerType     = reflect.TypeFor[json.Marshaler]()
	textMarshalerType = reflect.TypeFor[encoding.TextMarshaler]()
	timeType          = reflect.TypeFor[time.Time]()
)

// appendValue handles the types sessions hold without reflection, and
// hands everything else to appendReflect.
func appendValue(dst []byte, v any, depth int) ([]byte, error) {
	if depth > maxDepth {
		return dst, errTooDeep
	}
	switch x := v.(type) {
	case nil:
		return append(dst, "null"...), nil
	case string:
		return appendString(dst, x), nil
	case bool:
		if x {
			return append(dst, "true"...), nil
		}
		return append(dst, "false"...), nil
	case int:
		return strconv.AppendInt(dst, int64(x), 10), nil
	case int64:
		return strconv.AppendInt(dst, x, 10), nil
	case int32:
		return strconv.AppendInt(dst, int64(x), 10), nil
	case int16:
		return strconv.AppendInt(dst, int64(x), 10), nil
	case int8:
		return strconv.AppendInt(dst, int64(x), 10), nil
	case uint:
		return strconv.AppendUint(dst, uint64(x), 10), nil
	case uint64:
		return strconv.AppendUint(dst, x, 10), nil
	case uint32:
		return strconv.AppendUint(dst, uint64(x), 10), nil
	case uint16:
		return strconv.AppendUint(dst, uint64(x), 10), nil
	case uint8:
		return strconv.AppendUint(dst, uint64(x), 10), nil
	case uintptr:
		return strconv.AppendUint(dst, uint64(x), 10), nil
	case float64:
		return appendFloat(dst, x, 64), nil
	case float32:
		return appendFloat(dst, float64(x), 32), nil
	case json.Number:
		return appendNumber(dst, x)
	case *big.Int:
		if x == nil {
			return append(dst, "null"...), nil
		}
		return x.Append(dst, 10), nil
	case *Object:
		if x == nil {
			return append(dst, "null"...), nil
		}
		return x.appendTo(dst, depth)
	case Object:
		return x.appendTo(dst, depth)
	case map[string]any:
		if x == nil {
			return append(dst, "null"...), nil
		}
		return appendMap(dst, x, depth)
	case map[string]string:
		if x == nil {
			return append(dst, "null"...), nil
		}
		return appendMap(dst, x, depth)
	case []any:
		if x == nil {
			return append(dst, "null"...), nil
		}
		return appendSlice(dst, x, depth)
	case []string:
		if x == nil {
			return append(dst, "null"...), nil
		}
		return appendSlice(dst, x, depth)
	case []int:
		if x == nil {
			return append(dst, "null"...), nil
		}
		return appendSlice(dst, x, depth)
	case time.Time:
		return appendTime(dst, x)
	case json.RawMessage:
		if x == nil {
			return append(dst, "null"...), nil
		}
		return appendForeignJSON(dst, x, depth)
	}
	return appendReflect(dst, reflect.ValueOf(v), depth)
}

func (o *Object) appendTo(dst []byte, depth int) ([]byte, error) {
	if depth == 0 {
		// Grow once, to about the size the object was decoded from (a
		// session changes little between loads), rather than by doubling.
		dst = slices.Grow(dst, max(o.sizeHint+o.sizeHint/8, 256))
	}
	dst = append(dst, '{')
	var err error
	for i, e := range o.entries {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appendString(dst, e.key)
		dst = append(dst, ':')
		if e.raw != nil {
			// Never read, so unchanged: DecodeObject checked it, and it
			// is pure ASCII.
			dst = append(dst, e.raw...)
			continue
		}
		if dst, err = appendValue(dst, e.value, depth+1); err != nil {
			return dst, err
		}
	}
	return append(dst, '}'), nil
}

func appendMap[V any](dst []byte, m map[string]V, depth int) ([]byte, error) {
	// Small maps, the usual case in a session, sort their members on the
	// stack; sorting pairs rather than keys spares a lookup per key.
	type member struct {
		k string
		v V
	}
	var small [16]member
	members := small[:0]
	if len(m) > len(small) {
		members = make([]member, 0, len(m))
	}
	for k, v := range m {
		members = append(members, member{k, v})
	}
	if len(members) <= len(small) {
		// Insertion sort: a few keys, and unlike slices.SortFunc it keeps
		// the array on the stack.
		for i := 1; i < len(members); i++ {
			for j := i; j > 0 && members[j].k < members[j-1].k; j-- {
				members[j], members[j-1] = members[j-1], members[j]
			}
		}
	} else {
		slices.SortFunc(members, func(a, b member) int { return strings.Compare(a.k, b.k) })
	}
	dst = append(dst, '{')
	var err error
	for i, e := range members {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appendString(dst, e.k)
		dst = append(dst, ':')
		if dst, err = appendValue(dst, e.v, depth+1); err != nil {
			return dst, err
		}
	}
	return append(dst, '}'), nil
}

func appendSlice[E any](dst []byte, s []E, depth int) ([]byte, error) {
	dst = append(dst, '[')
	var err error
	for i, v := range s {
		if i > 0 {
			dst = append(dst, ',')
		}
		if dst, err = appendValue(dst, v, depth+1); err != nil {
			return dst, err
		}
	}
	return append(dst, ']'), nil
}

// appendReflect encodes the values the type switch in appendValue does not
// know, following encoding/json's rules for which method or kind wins.
func appendReflect(dst []byte, rv reflect.Value, depth int) ([]byte, error) {
	if !rv.IsValid() {
		return append(dst, "null"...), nil
	}
	t := rv.Type()
	if (t.Kind() == reflect.Pointer || t.Kind() == reflect.Interface) && rv.IsNil() {
		return append(dst, "null"...), nil
	}
	if t.Kind() == reflect.Pointer && t.Elem() == timeType {
		return appendTime(dst, rv.Elem().Interface().(time.Time)) // not its MarshalJSON
	}
	if t.Implements(marshalerType) {
		b, err := rv.Interface().(json.Marshaler).MarshalJSON()
		if err != nil {
			return dst, fmt.Errorf("pyjson: calling MarshalJSON for type %s: %w", t, err)
		}
		return appendForeignJSON(dst, b, depth)
	}
	if t.Implements(textMarshalerType) {
		b, err := rv.Interface().(encoding.TextMarshaler).MarshalText()
		if err != nil {
			return dst, fmt.Errorf("pyjson: calling MarshalText for type %s: %w", t, err)
		}
		return appendString(dst, string(b)), nil
	}
	switch t.Kind() {
	case reflect.Pointer, reflect.Interface:
		if t.Kind() == reflect.Pointer && t.Elem().Kind() == reflect.Struct {
			// encoding/json given the pointer can call pointer methods of
			// the fields, as it would for the caller.
			return appendStruct(dst, rv, depth)
		}
		return appendValue(dst, elemInterface(rv.Elem()), depth+1)
	case reflect.Bool:
		return appendValue(dst, rv.Bool(), depth)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return strconv.AppendInt(dst, rv.Int(), 10), nil
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return strconv.AppendUint(dst, rv.Uint(), 10), nil
	case reflect.Float32:
		return appendFloat(dst, rv.Float(), 32), nil
	case reflect.Float64:
		return appendFloat(dst, rv.Float(), 64), nil
	case reflect.String:
		return appendString(dst, rv.String()), nil
	case reflect.Map:
		return appendReflectMap(dst, rv, depth)
	case reflect.Slice:
		if rv.IsNil() {
			return append(dst, "null"...), nil
		}
		if t.Elem().Kind() == reflect.Uint8 && !reflect.PointerTo(t.Elem()).Implements(marshalerType) &&
			!reflect.PointerTo(t.Elem()).Implements(textMarshalerType) {
			// encoding/json's rule: a byte slice is a base64 string.
			dst = append(dst, '"')
			dst = base64.StdEncoding.AppendEncode(dst, rv.Bytes())
			return append(dst, '"'), nil
		}
		fallthrough
	case reflect.Array:
		dst = append(dst, '[')
		var err error
		for i := range rv.Len() {
			if i > 0 {
				dst = append(dst, ',')
			}
			if dst, err = appendValue(dst, elemInterface(rv.Index(i)), depth+1); err != nil {
				return dst, err
			}
		}
		return append(dst, ']'), nil
	case reflect.Struct:
		return appendStruct(dst, rv, depth)
	}
	return dst, &UnsupportedTypeError{Type: t}
}

// appendStruct leaves struct tags, embedding and omitempty to encoding/json
// and rewrites its output in Python's format.
func appendStruct(dst []byte, rv reflect.Value, depth int) ([]byte, error) {
	b, err := json.Marshal(rv.Interface())
	if err != nil {
		return dst, fmt.Errorf("pyjson: %w", err)
	}
	return appendForeignJSON(dst, b, depth)
}

// elemInterface returns the element as an interface value, as its address
// when only the pointer type has a MarshalJSON or MarshalText method (the
// method encoding/json would call on an addressable value).
func elemInterface(rv reflect.Value) any {
	if !rv.IsValid() {
		return nil
	}
	t := rv.Type()
	if rv.CanAddr() && t.Kind() != reflect.Pointer &&
		!t.Implements(marshalerType) && !t.Implements(textMarshalerType) {
		pt := reflect.PointerTo(t)
		if pt.Implements(marshalerType) || pt.Implements(textMarshalerType) {
			return rv.Addr().Interface()
		}
	}
	return rv.Interface()
}

func appendReflectMap(dst []byte, rv reflect.Value, depth int) ([]byte, error) {
	if rv.IsNil() {
		return append(dst, "null"...), nil
	}
	kt := rv.Type().Key()
	type kv struct {
		key string
		val reflect.Value
	}
	pairs := make([]kv, 0, rv.Len())
	iter := rv.MapRange()
	for iter.Next() {
		k := iter.Key()
		var name string
		switch {
		case kt.Kind() == reflect.String:
			name = k.String()
		case kt.Implements(textMarshalerType):
			if k.Kind() == reflect.Pointer && k.IsNil() {
				break
			}
			b, err := k.Interface().(encoding.TextMarshaler).MarshalText()
			if err != nil {
				return dst, fmt.Errorf("pyjson: calling MarshalText for map key type %s: %w", kt, err)
			}
			name = string(b)
		case kt.Kind() >= reflect.Int && kt.Kind() <= reflect.Int64:
			name = strconv.FormatInt(k.Int(), 10)
		case kt.Kind() >= reflect.Uint && kt.Kind() <= reflect.Uintptr:
			name = strconv.FormatUint(k.Uint(), 10)
		default:
			return dst, &UnsupportedTypeError{Type: rv.Type()}
		}
		pairs = append(pairs, kv{name, iter.Value()})
	}
	slices.SortFunc(pairs, func(a, b kv) int {
		switch {
		case a.key < b.key:
			return -1
		case a.key > b.key:
			return 1
		}
		return 0
	})
	dst = append(dst, '{')
	var err error
	for i, p := range pairs {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appendString(dst, p.key)
		dst = append(dst, ':')
		if dst, err = appendValue(dst, p.val.Interface(), depth+1); err != nil {
			return dst, err
		}
	}
	return append(dst, '}'), nil
}

// appendForeignJSON rewrites JSON produced by other code (MarshalJSON,
// encoding/json) in Python's format: it reads it as Python would read it
// and writes what Python would write.
func appendForeignJSON(dst, b []byte, depth int) ([]byte, error) {
	d := decoder{data: b, utf8: true, ordered: true, depth: depth}
	v, err := d.top()
	if err != nil {
		return dst, fmt.Errorf("pyjson: rewriting JSON from a marshaler: %w", err)
	}
	return appendValue(dst, v, depth)
}

// safeASCII[c] is true for the bytes Python writes unescaped.
var safeASCII = func() (t [utf8.RuneSelf]bool) {
	for c := 0x20; c < 0x7f; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

const hexDigits = "0123456789abcdef"

func appendString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if safeASCII[c] {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch c {
			case '"', '\\':
				dst = append(dst, '\\', c)
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			default: // other control characters and DEL
				dst = appendEscape(dst, rune(c))
			}
			i++
			start = i
			continue
		}
		dst = append(dst, s[start:i]...)
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			if sr, ok := surrogateWTF8(s[i:]); ok {
				dst = appendEscape(dst, sr)
				size = 3
			} else {
				dst = appendEscape(dst, utf8.RuneError)
			}
		case r > 0xffff:
			r1, r2 := utf16.EncodeRune(r)
			dst = appendEscape(dst, r1)
			dst = appendEscape(dst, r2)
		default:
			dst = appendEscape(dst, r)
		}
		i += size
		start = i
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

func appendEscape(dst []byte, r rune) []byte {
	return append(dst, '\\', 'u', hexDigits[r>>12&0xf], hexDigits[r>>8&0xf], hexDigits[r>>4&0xf], hexDigits[r&0xf])
}

// surrogateWTF8 decodes the 3-byte sequence that would encode a UTF-16
// surrogate (U+D800–U+DFFF) in UTF-8 if UTF-8 allowed it. Unmarshal uses
// it for the lone surrogates Python strings can hold.
func surrogateWTF8(s string) (rune, bool) {
	if len(s) < 3 || s[0] != 0xed || s[1] < 0xa0 || s[1] > 0xbf || s[2] < 0x80 || s[2] > 0xbf {
		return 0, false
	}
	return 0xd000 | rune(s[1]&0x3f)<<6 | rune(s[2]&0x3f), true
}

// appendFloat writes f as Python's float.__repr__ does: the shortest
// digits that read back as f, in positional form for 1e-4 <= |f| < 1e16
// (with ".0" if integral) and in exponent form otherwise. Go's 'e' format
// with shortest digits already matches Python's exponent form (a sign and
// at least two digits).
func appendFloat(dst []byte, f float64, bits int) []byte {
	switch {
	case math.IsNaN(f):
		return append(dst, "NaN"...)
	case math.IsInf(f, 1):
		return append(dst, "Infinity"...)
	case math.IsInf(f, -1):
		return append(dst, "-Infinity"...)
	}
	if a := math.Abs(f); a != 0 && (a < 1e-4 || a >= 1e16) {
		return strconv.AppendFloat(dst, f, 'e', -1, bits)
	}
	n := len(dst)
	dst = strconv.AppendFloat(dst, f, 'f', -1, bits)
	for _, c := range dst[n:] {
		if c == '.' {
			return dst
		}
	}
	return append(dst, '.', '0')
}

// appendNumber writes a json.Number as the value Python reads from it
// would be written: integers as they are, other numbers as floats.
func appendNumber(dst []byte, n json.Number) ([]byte, error) {
	s := string(n)
	if s == "" {
		s = "0" // encoding/json's rule for the zero Number
	}
	end, isFloat, ok := scanNumber(s)
	if !ok || end != len(s) {
		return dst, fmt.Errorf("pyjson: invalid json.Number %q", s)
	}
	if !isFloat {
		if s == "-0" {
			s = "0" // Python's int has no negative zero
		}
		return append(dst, s...), nil
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil && !errors.Is(err, strconv.ErrRange) {
		return dst, fmt.Errorf("pyjson: invalid json.Number %q", s)
	}
	return appendFloat(dst, f, 64), nil
}

// appendTime writes t as Python's datetime.isoformat() writes an aware
// datetime.
func appendTime(dst []byte, t time.Time) ([]byte, error) {
	if y := t.Year(); y < 1 || y > 9999 {
		return dst, fmt.Errorf("pyjson: time %s is outside the years 1 to 9999 that Python's datetime can hold", t)
	}
	dst = append(dst, '"')
	dst = t.AppendFormat(dst, "2006-01-02T15:04:05")
	if us := t.Nanosecond() / 1000; us != 0 {
		dst = append(dst, '.')
		dst = appendPadded(dst, us, 6)
	}
	_, off := t.Zone()
	sign := byte('+')
	if off < 0 {
		sign, off = '-', -off
	}
	dst = append(dst, sign)
	dst = appendPadded(dst, off/3600, 2)
	dst = append(dst, ':')
	dst = appendPadded(dst, off/60%60, 2)
	if s := off % 60; s != 0 {
		dst = append(dst, ':')
		dst = appendPadded(dst, s, 2)
	}
	return append(dst, '"'), nil
}

func appendPadded(dst []byte, n, width int) []byte {
	var buf [20]byte
	b := strconv.AppendInt(buf[:0], int64(n), 10)
	for i := len(b); i < width; i++ {
		dst = append(dst, '0')
	}
	return append(dst, b...)
}
