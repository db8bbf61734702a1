package pyjson

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"
	"unicode/utf8"
)

// SyntaxError describes JSON that Python's json.loads would reject.
type SyntaxError struct {
	msg string
	// Offset is the byte offset in the input where the problem was found.
	// For Latin-1 input (Unmarshal) it equals Python's character index.
	Offset int64
}

func (e *SyntaxError) Error() string {
	return "pyjson: " + e.msg + " at byte offset " + strconv.FormatInt(e.Offset, 10)
}

// maxIntDigits is Python's default limit on the digits of an int read from
// text (sys.get_int_max_str_digits(), Python ≥ 3.11): json.loads rejects
// longer integers, and so do we; it also bounds the cost of big.Int parsing.
const maxIntDigits = 4300

// Unmarshal parses data as Django's JSONSerializer.loads does:
// json.loads(data.decode("latin-1")). Objects become map[string]any (see
// UnmarshalOrdered to keep their order), arrays []any, strings string,
// true/false bool, null nil. Integer literals become int, or int64 if they
// do not fit an int, or *big.Int beyond that (up to Python's 4300 digits);
// every other number becomes a float64, so 1.0 stays a float and Marshal
// writes it back as 1.0. NaN, Infinity and -Infinity are accepted, as
// Python accepts them. A repeated key keeps its first position and its
// last value.
//
// Each byte is one Latin-1 character, as in Django: JSON written by Python
// is pure ASCII, and raw UTF-8 bytes in a string come back as one
// character per byte ("é" as "Ã©"), exactly what Django would see. A
// \uXXXX escape of a lone UTF-16 surrogate, which Python strings can hold
// and UTF-8 cannot, becomes the surrogate's 3-byte WTF-8 form, so that
// Marshal writes the same escape back.
//
// Errors are *SyntaxError values that give the byte offset.
func Unmarshal(data []byte) (any, error) {
	d := decoder{data: data}
	return d.top()
}

// UnmarshalOrdered is Unmarshal with every object, at every depth, decoded
// as an *Object that keeps its keys in order.
func UnmarshalOrdered(data []byte) (any, error) {
	d := decoder{data: data, ordered: true}
	return d.top()
}

// UnmarshalUTF8 is UnmarshalOrdered for JSON text in UTF-8, read as
// Python's json.loads reads a str: raw non-ASCII characters are taken as
// the characters they encode. Use it for JSON typed by a person or written
// by another program; use Unmarshal or UnmarshalOrdered for payloads that
// Django signed or stored. Invalid UTF-8 is an error.
func UnmarshalUTF8(data []byte) (any, error) {
	if !utf8.Valid(data) {
		off := 0
		for off < len(data) {
			r, size := utf8.DecodeRune(data[off:])
			if r == utf8.RuneError && size == 1 {
				break
			}
			off += size
		}
		return nil, &SyntaxError{msg: "invalid UTF-8", Offset: int64(off)}
	}
	d := decoder{data: data, ordered: true, utf8: true}
	return d.top()
}

// DecodeObject parses data as Unmarshal does and requires a JSON object at
// the top level, which it returns as an *Object in order. Objects nested
// inside it are map[string]any, as Unmarshal returns them, which is what
// code reading a session expects; Marshal writes their keys sorted, so a
// nested object whose keys were not in sorted order is written back in a
// different order (use UnmarshalOrdered to keep every order).
//
// The whole document is checked at once, so a syntax error anywhere is
// returned here, but each top-level value is built only when it is first
// read, and one never read is written back by Marshal exactly as it came
// (compact or not): a request that reads one key of a large session pays
// for that key alone. The Object keeps a copy of data, so data may be
// reused.
func DecodeObject(data []byte) (*Object, error) {
	d := decoder{data: data}
	d.skipSpace()
	if d.pos >= len(d.data) || d.data[d.pos] != '{' {
		start := d.pos
		v, err := d.top()
		if err != nil {
			return nil, err
		}
		return nil, &SyntaxError{msg: "expecting a JSON object, found " + kindOf(v), Offset: int64(start)}
	}
	d.pos++
	o, err := d.lazyObject()
	if err != nil {
		return nil, err
	}
	if d.skipSpace(); d.pos != len(d.data) {
		return nil, d.errorf("extra data")
	}
	return o, nil
}

// lazyObject parses the members of a top-level object after '{'. Every
// value is checked as it would be decoded but kept as its JSON text, in a
// copy of the document, and decoded when first read (see Object): a
// request that reads one key of a session does not pay for building the
// others, and an untouched value is written back as it came.
func (d *decoder) lazyObject() (*Object, error) {
	d.depth++
	d.skipSpace()
	if d.pos < len(d.data) && d.data[d.pos] == '}' {
		d.pos++
		return new(Object), nil
	}
	// Values are kept as slices of an immutable copy of the document: the
	// caller may reuse data. The copy replaces the string arena, which
	// then holds only the keys.
	owned := bytes.Clone(d.data)
	d.arenaSize = 128
	obj := &Object{entries: make([]entry, 0, 8), sizeHint: len(d.data)}
	for {
		key, err := d.memberName()
		if err != nil {
			return nil, err
		}
		start := d.pos
		d.skip, d.nonASCII = true, false
		_, err = d.value()
		d.skip = false
		if err != nil {
			return nil, err
		}
		if d.nonASCII {
			// Raw Latin-1 bytes: decode now, so that what is written back
			// is pure ASCII, as Python writes it.
			v, err := decodeRaw(owned[start:d.pos])
			if err != nil {
				return nil, err
			}
			obj.Set(key, v)
		} else {
			obj.setRaw(key, owned[start:d.pos:d.pos])
		}
		more, err := d.moreMembers()
		if err != nil {
			return nil, err
		}
		if !more {
			return obj, nil
		}
	}
}

// memberName parses an object member's name and the ':' after it, with
// the spaces around the ':'.
func (d *decoder) memberName() (string, error) {
	if d.pos >= len(d.data) || d.data[d.pos] != '"' {
		return "", d.errorf("expecting property name enclosed in double quotes")
	}
	d.pos++
	key, err := d.string()
	if err != nil {
		return "", err
	}
	d.skipSpace()
	if d.pos >= len(d.data) || d.data[d.pos] != ':' {
		return "", d.errorf("expecting ':' delimiter")
	}
	d.pos++
	d.skipSpace()
	return key, nil
}

// moreMembers reads what follows an object member: ',' (another member
// follows: true) or '}' (the object ends: false).
func (d *decoder) moreMembers() (bool, error) {
	d.skipSpace()
	if d.pos < len(d.data) && d.data[d.pos] == '}' {
		d.pos++
		return false, nil
	}
	if d.pos >= len(d.data) || d.data[d.pos] != ',' {
		return false, d.errorf("expecting ',' delimiter")
	}
	d.pos++
	d.skipSpace()
	return true, nil
}

// decodeRaw decodes one value that lazyObject has checked, as the value
// of a top-level member: nested objects become map[string]any.
func decodeRaw(raw []byte) (any, error) {
	d := decoder{data: raw}
	return d.value()
}

type decoder struct {
	data    []byte
	pos     int
	depth   int
	ordered bool // objects become *Object rather than map[string]any
	utf8    bool // bytes ≥ 0x80 are UTF-8 rather than Latin-1 characters
	buf     []byte
	// strs holds the decoded strings of a small document back to back, so
	// that they cost one allocation rather than one each. A strings.Builder
	// never changes bytes it has written, so the substrings handed out stay
	// valid and immutable.
	strs strings.Builder
	// arenaSize is the capacity strs is given; 0 means len(data).
	arenaSize int
	// skip checks the syntax without building values (lazyObject).
	skip bool
	// nonASCII records that a skipped string held a byte ≥ 0x80.
	nonASCII bool
}

// maxStringArena is the largest document whose strings share one buffer.
// Beyond it, strings are allocated one by one, so that keeping one short
// string does not keep a large document's worth of memory alive.
const maxStringArena = 16 << 10

// newString returns b as a string.
func (d *decoder) newString(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	if d.strs.Cap() == 0 && len(d.data) <= maxStringArena {
		if d.arenaSize > 0 {
			d.strs.Grow(d.arenaSize)
		} else {
			d.strs.Grow(len(d.data))
		}
	}
	n := d.strs.Len()
	if n+len(b) > d.strs.Cap() {
		return string(b) // no room: never regrow, which would copy
	}
	d.strs.Write(b)
	return d.strs.String()[n:]
}

func (d *decoder) errorf(msg string) error {
	return &SyntaxError{msg: msg, Offset: int64(d.pos)}
}

func (d *decoder) errorAt(msg string, pos int) error {
	return &SyntaxError{msg: msg, Offset: int64(pos)}
}

// top parses one value surrounded by optional whitespace, as json.loads.
func (d *decoder) top() (any, error) {
	d.skipSpace()
	v, err := d.value()
	if err != nil {
		return nil, err
	}
	if d.skipSpace(); d.pos != len(d.data) {
		return nil, d.errorf("extra data")
	}
	return v, nil
}

// skipSpace skips Python's JSON whitespace: space, tab, LF, CR.
func (d *decoder) skipSpace() {
	d.pos = d.skipSpaceFrom(d.pos)
}

func (d *decoder) skipSpaceFrom(i int) int {
	for i < len(d.data) {
		switch d.data[i] {
		case ' ', '\t', '\n', '\r':
			i++
		default:
			return i
		}
	}
	return i
}

func (d *decoder) literal(lit string, v any) (any, error) {
	if len(d.data)-d.pos >= len(lit) && string(d.data[d.pos:d.pos+len(lit)]) == lit {
		d.pos += len(lit)
		return v, nil
	}
	return nil, d.errorf("expecting value")
}

func (d *decoder) value() (any, error) {
	if d.pos >= len(d.data) {
		return nil, d.errorf("expecting value")
	}
	switch c := d.data[d.pos]; c {
	case '"':
		d.pos++
		return d.string()
	case '{':
		d.pos++
		return d.object(d.ordered)
	case '[':
		d.pos++
		return d.array()
	case 't':
		return d.literal("true", true)
	case 'f':
		return d.literal("false", false)
	case 'n':
		return d.literal("null", nil)
	case 'N':
		return d.literal("NaN", math.NaN())
	case 'I':
		return d.literal("Infinity", math.Inf(1))
	case '-':
		if d.pos+1 < len(d.data) && d.data[d.pos+1] == 'I' {
			return d.literal("-Infinity", math.Inf(-1))
		}
		return d.number()
	default:
		if c >= '0' && c <= '9' {
			return d.number()
		}
		return nil, d.errorf("expecting value")
	}
}

func (d *decoder) enter() error {
	if d.depth++; d.depth > MaxDecodeDepth {
		return d.errorf(fmt.Sprintf("JSON nested more than %d levels deep", MaxDecodeDepth))
	}
	return nil
}

// object parses the members after '{'. ordered chooses *Object over
// map[string]any for this object; nested objects follow d.ordered.
func (d *decoder) object(ordered bool) (any, error) {
	if err := d.enter(); err != nil {
		return nil, err
	}
	defer func() { d.depth-- }()
	d.skipSpace()
	if d.pos < len(d.data) && d.data[d.pos] == '}' {
		d.pos++
		if ordered {
			return new(Object), nil
		}
		return map[string]any{}, nil
	}
	var (
		obj *Object
		m   map[string]any
	)
	switch {
	case d.skip:
	case ordered:
		// Room for a small session's keys without regrowing.
		obj = &Object{entries: make([]entry, 0, 8)}
	default:
		m = make(map[string]any)
	}
	for {
		key, err := d.memberName()
		if err != nil {
			return nil, err
		}
		v, err := d.value()
		if err != nil {
			return nil, err
		}
		switch {
		case d.skip:
		case ordered:
			obj.Set(key, v)
		default:
			m[key] = v
		}
		more, err := d.moreMembers()
		if err != nil {
			return nil, err
		}
		if !more {
			break
		}
	}
	switch {
	case d.skip:
		return nil, nil
	case ordered:
		return obj, nil
	}
	return m, nil
}

func (d *decoder) array() (any, error) {
	if err := d.enter(); err != nil {
		return nil, err
	}
	defer func() { d.depth-- }()
	d.skipSpace()
	if d.pos < len(d.data) && d.data[d.pos] == ']' {
		d.pos++
		return []any{}, nil
	}
	var a []any
	if !d.skip {
		a = make([]any, 0, 4)
	}
	for {
		v, err := d.value()
		if err != nil {
			return nil, err
		}
		if !d.skip {
			a = append(a, v)
		}
		d.skipSpace()
		if d.pos < len(d.data) && d.data[d.pos] == ']' {
			d.pos++
			return a, nil
		}
		if d.pos >= len(d.data) || d.data[d.pos] != ',' {
			return nil, d.errorf("expecting ',' delimiter")
		}
		d.pos++
		d.skipSpace()
	}
}

// plainString[c] is true for bytes that stand for themselves inside a
// Latin-1 string: printable ASCII other than '"' and '\\'.
var plainString = func() (t [256]bool) {
	for c := 0x20; c < 0x80; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// string parses a string whose opening quote has been consumed, as
// Python's strict scanstring: control characters must be escaped.
func (d *decoder) string() (string, error) {
	start := d.pos
	// Fast path: no escapes and nothing that needs converting.
	i := start
	for i < len(d.data) && (plainString[d.data[i]] || (d.utf8 && d.data[i] >= utf8.RuneSelf)) {
		i++
	}
	if i < len(d.data) && d.data[i] == '"' {
		d.pos = i + 1
		if d.skip {
			return "", nil
		}
		return d.newString(d.data[start:i]), nil
	}
	buf := append(d.buf[:0], d.data[start:i]...)
	for {
		if i >= len(d.data) {
			return "", d.errorAt("unterminated string starting", start-1)
		}
		c := d.data[i]
		switch {
		case c == '"':
			d.pos = i + 1
			d.buf = buf
			if d.skip {
				return "", nil
			}
			return d.newString(buf), nil
		case c == '\\':
			i++
			if i >= len(d.data) {
				return "", d.errorAt("unterminated string starting", start-1)
			}
			switch e := d.data[i]; e {
			case '"', '\\', '/':
				buf = append(buf, e)
			case 'b':
				buf = append(buf, '\b')
			case 'f':
				buf = append(buf, '\f')
			case 'n':
				buf = append(buf, '\n')
			case 'r':
				buf = append(buf, '\r')
			case 't':
				buf = append(buf, '\t')
			case 'u':
				r, ok := hex4(d.data, i+1)
				if !ok {
					return "", d.errorAt("invalid \\uXXXX escape", i-1)
				}
				i += 4
				if r >= 0xd800 && r < 0xdc00 && i+2 < len(d.data) && d.data[i+1] == '\\' && d.data[i+2] == 'u' {
					r2, ok := hex4(d.data, i+3)
					if !ok {
						return "", d.errorAt("invalid \\uXXXX escape", i+1)
					}
					if r2 >= 0xdc00 && r2 < 0xe000 {
						r = 0x10000 + (r-0xd800)<<10 + (r2 - 0xdc00)
						i += 6
					}
				}
				buf = appendRuneWTF8(buf, r)
			default:
				return "", d.errorAt("invalid \\escape", i-1)
			}
			i++
		case c < 0x20:
			return "", d.errorAt("invalid control character", i)
		case c < utf8.RuneSelf || d.utf8:
			d.nonASCII = d.nonASCII || c >= utf8.RuneSelf
			// Copy the run of characters that need no conversion at once.
			j := i + 1
			for j < len(d.data) && (plainString[d.data[j]] || (d.utf8 && d.data[j] >= utf8.RuneSelf)) {
				j++
			}
			buf = append(buf, d.data[i:j]...)
			i = j
		default: // a Latin-1 character
			d.nonASCII = true
			buf = append(buf, 0xc0|c>>6, 0x80|c&0x3f)
			i++
		}
	}
}

// hex4 reads the four hex digits of a \u escape starting at data[i].
func hex4(data []byte, i int) (rune, bool) {
	if i+4 > len(data) {
		return 0, false
	}
	var r rune
	for _, c := range data[i : i+4] {
		switch {
		case c >= '0' && c <= '9':
			c -= '0'
		case c >= 'a' && c <= 'f':
			c -= 'a' - 10
		case c >= 'A' && c <= 'F':
			c -= 'A' - 10
		default:
			return 0, false
		}
		r = r<<4 | rune(c)
	}
	return r, true
}

// appendRuneWTF8 is utf8.AppendRune, except that a surrogate is written in
// its 3-byte form instead of as U+FFFD, so that it survives a round trip.
func appendRuneWTF8(buf []byte, r rune) []byte {
	if r >= 0xd800 && r < 0xe000 {
		return append(buf, 0xe0|byte(r>>12), 0x80|byte(r>>6)&0x3f, 0x80|byte(r)&0x3f)
	}
	return utf8.AppendRune(buf, r)
}

// scanNumber matches Python's JSON number pattern
// -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)? at the start of s, as
// greedily as Python: a '.' or exponent without digits after it is not
// part of the number. It reports where the number ends and whether it has
// a fraction or exponent.
func scanNumber[T string | []byte](s T) (end int, isFloat, ok bool) {
	i := 0
	if i < len(s) && s[i] == '-' {
		i++
	}
	switch {
	case i < len(s) && s[i] == '0':
		i++
	case i < len(s) && s[i] >= '1' && s[i] <= '9':
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
	default:
		return 0, false, false
	}
	if i+1 < len(s) && s[i] == '.' && s[i+1] >= '0' && s[i+1] <= '9' {
		isFloat = true
		i += 2
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		j := i + 1
		if j < len(s) && (s[j] == '+' || s[j] == '-') {
			j++
		}
		if j < len(s) && s[j] >= '0' && s[j] <= '9' {
			for j < len(s) && s[j] >= '0' && s[j] <= '9' {
				j++
			}
			isFloat = true
			i = j
		}
	}
	return i, isFloat, true
}

func (d *decoder) number() (any, error) {
	start := d.pos
	n, isFloat, ok := scanNumber(d.data[start:])
	if !ok {
		return nil, d.errorf("expecting value")
	}
	lit := d.data[start : start+n]
	if d.skip && isFloat {
		d.pos += n
		return nil, nil
	}
	if isFloat {
		f, err := strconv.ParseFloat(string(lit), 64)
		// Out of range is not an error in Python: 1e400 is inf, 1e-400 is 0.0.
		if err != nil && !errors.Is(err, strconv.ErrRange) {
			return nil, d.errorf("invalid number")
		}
		d.pos += n
		return f, nil
	}
	neg := lit[0] == '-'
	digits := lit
	if neg {
		digits = lit[1:]
	}
	if len(digits) > maxIntDigits {
		return nil, d.errorf(fmt.Sprintf("integer with %d digits exceeds Python's limit of %d", len(digits), maxIntDigits))
	}
	d.pos += n
	if d.skip {
		return nil, nil
	}
	if len(digits) <= 18 { // cannot overflow int64
		var v int64
		for _, c := range digits {
			v = v*10 + int64(c-'0')
		}
		if neg {
			v = -v
		}
		if v == int64(int(v)) {
			return int(v), nil
		}
		return v, nil
	}
	if v, err := strconv.ParseInt(string(lit), 10, 64); err == nil {
		if v == int64(int(v)) {
			return int(v), nil
		}
		return v, nil
	}
	b, _ := new(big.Int).SetString(string(lit), 10)
	return b, nil
}

// kindOf names the JSON kind of a decoded value, for error messages.
func kindOf(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "a boolean"
	case string:
		return "a string"
	case []any:
		return "an array"
	case map[string]any, *Object:
		return "an object"
	}
	return "a number"
}
