// Package pypickle reads and writes the pickles that Django's cache
// backends store, limited to the values JSON can carry, keeping the order
// of a dict's keys.
//
// Django's cache session engines keep the session dict in the cache,
// pickled by the cache backend (pymemcache's serde for PyMemcacheCache,
// RedisSerializer for RedisCache). A pickle is a program for Python's
// unpickler; this package runs only the part of it that builds data.
//
// Decode accepts only dict (with str keys), list, tuple (read as a list),
// str, bytes (read as a str when they are UTF-8), int, float, bool and
// None, as protocols 2 to 5 write them (Django writes
// pickle.HIGHEST_PROTOCOL). Anything else is an error wrapping
// ErrUnsupported: a global (GLOBAL, STACK_GLOBAL), any call or object
// construction (REDUCE, BUILD, INST, OBJ, NEWOBJ), an extension or a
// persistent reference, a set, a bytearray, a buffer, a dict with other
// keys. Nothing is ever imported or called: those opcodes are refused when
// they are met, before anything they name is looked at.
//
// Why not github.com/kisielk/og-rek: it decodes a dict into a Go map (or
// its Dict, a hash map) and encodes a map in Go's random order, so a
// session's keys would lose the insertion order that sessionkit keeps
// through every other engine (storetest's test_keys_keep_insertion_order
// and the concurrency tests that compare stored bytes fail with it). Its
// decoder is the oracle of this package's fuzz test instead.
//
// Encode writes protocol 4, which every Python 3 that Django 3.2 and
// later support reads.
package pypickle

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"math/big"
	"unicode/utf8"

	"github.com/sessionkit/sessionkit/pyjson"
)

// Protocol is the pickle protocol Encode writes. Django writes
// pickle.HIGHEST_PROTOCOL (5 on Python 3.8 and later), which adds only
// opcodes for out-of-band buffers and bytearrays.
const Protocol = 4

// MaxDepth is how deeply containers may nest in a decoded value, as in
// pyjson.
const MaxDepth = pyjson.MaxDecodeDepth

var (
	// ErrUnsupported is wrapped by Decode's error for a pickle that holds
	// a value JSON cannot carry, or any global, call or object.
	ErrUnsupported = errors.New("pypickle: not a JSON-like pickle")
	// ErrCorrupt is wrapped by Decode's error for bytes that are not a
	// well-formed pickle.
	ErrCorrupt = errors.New("pypickle: corrupt pickle")
)

// Opcodes (Python's Lib/pickle.py).
const (
	opMark           = '('
	opStop           = '.'
	opPop            = '0'
	opPopMark        = '1'
	opDup            = '2'
	opBinInt         = 'J'
	opBinInt1        = 'K'
	opBinInt2        = 'M'
	opNone           = 'N'
	opBinUnicode     = 'X'
	opAppend         = 'a'
	opAppends        = 'e'
	opEmptyDict      = '}'
	opDict           = 'd'
	opSetItem        = 's'
	opSetItems       = 'u'
	opEmptyList      = ']'
	opList           = 'l'
	opEmptyTuple     = ')'
	opTuple          = 't'
	opBinGet         = 'h'
	opLongBinGet     = 'j'
	opBinPut         = 'q'
	opLongBinPut     = 'r'
	opBinFloat       = 'G'
	opBinString      = 'T'
	opShortBinString = 'U'
	opBinBytes       = 'B'
	opShortBinBytes  = 'C'
	opProto          = 0x80
	opTuple1         = 0x85
	opTuple2         = 0x86
	opTuple3         = 0x87
	opNewTrue        = 0x88
	opNewFalse       = 0x89
	opLong1          = 0x8a
	opLong4          = 0x8b
	opShortBinUni    = 0x8c
	opBinUnicode8    = 0x8d
	opBinBytes8      = 0x8e
	opMemoize        = 0x94
	opFrame          = 0x95
)

// refused names the opcodes that build something other than data.
var refused = map[byte]string{
	'c': "GLOBAL", 0x93: "STACK_GLOBAL", 'R': "REDUCE", 'b': "BUILD", 'i': "INST",
	'o': "OBJ", 0x81: "NEWOBJ", 0x92: "NEWOBJ_EX", 0x82: "EXT1", 0x83: "EXT2", 0x84: "EXT4",
	'P': "PERSID", 'Q': "BINPERSID", 0x8f: "EMPTY_SET", 0x90: "ADDITEMS", 0x91: "FROZENSET",
	0x96: "BYTEARRAY8", 0x97: "NEXT_BUFFER", 0x98: "READONLY_BUFFER",
}

// Values on the stack while decoding. Lists and dicts are mutable (APPEND,
// SETITEM), and the memo may hold one that is still being filled, so they
// are pointers until the end.
type (
	list struct{ v []any }
	dict struct {
		keys []any
		vals []any
	}
	tuple   []any
	pybytes string // Python bytes, or a protocol 2 str
	mark    struct{}
)

type decoder struct {
	p      []byte
	pos    int
	stack  []any
	marks  []int
	memo   map[uint64]any
	oddOps int // memo reads, DUPs, POP_MARKs, LONG4s and tuple keys, which og-rek does not run as Python does (see FuzzDecode)
}

// Decode runs the pickle p and returns the value it builds as JSON-like Go
// values: *pyjson.Object (keys in the pickle's order), []any, string,
// int64, *big.Int (beyond int64), float64, bool and nil. Bytes after the
// pickle's STOP are ignored, as Python's pickle.loads ignores them.
func Decode(p []byte) (any, error) {
	d := decoder{p: p, memo: map[uint64]any{}}
	v, err := d.run()
	if err != nil {
		return nil, err
	}
	c := converter{budget: 8*len(p) + 64}
	return c.convert(v, 0)
}

func corrupt(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrCorrupt, fmt.Sprintf(format, args...))
}

func (d *decoder) read(n uint64) ([]byte, error) {
	if n > uint64(len(d.p)-d.pos) {
		return nil, corrupt("truncated at byte %d", d.pos)
	}
	b := d.p[d.pos : d.pos+int(n)]
	d.pos += int(n)
	return b, nil
}

func (d *decoder) uint(n int) (uint64, error) {
	b, err := d.read(uint64(n))
	if err != nil {
		return 0, err
	}
	var u uint64
	for i := n - 1; i >= 0; i-- {
		u = u<<8 | uint64(b[i])
	}
	return u, nil
}

func (d *decoder) push(v any) { d.stack = append(d.stack, v) }

func (d *decoder) pop() (any, error) {
	n := len(d.stack)
	if n == 0 || (len(d.marks) > 0 && d.marks[len(d.marks)-1] == n) {
		return nil, corrupt("stack underflow at byte %d", d.pos)
	}
	v := d.stack[n-1]
	d.stack = d.stack[:n-1]
	return v, nil
}

func (d *decoder) top() (any, error) {
	n := len(d.stack)
	if n == 0 || (len(d.marks) > 0 && d.marks[len(d.marks)-1] == n) {
		return nil, corrupt("stack underflow at byte %d", d.pos)
	}
	return d.stack[n-1], nil
}

// popMark pops the items pushed since the last MARK.
func (d *decoder) popMark() ([]any, error) {
	if len(d.marks) == 0 {
		return nil, corrupt("no MARK at byte %d", d.pos)
	}
	k := d.marks[len(d.marks)-1]
	d.marks = d.marks[:len(d.marks)-1]
	items := append([]any(nil), d.stack[k:]...)
	d.stack = d.stack[:k]
	return items, nil
}

func (d *decoder) setItems(dst any, items []any) error {
	m, ok := dst.(*dict)
	if !ok {
		return corrupt("SETITEM on a %s at byte %d", kind(dst), d.pos)
	}
	if len(items)%2 != 0 {
		return corrupt("odd number of dict items at byte %d", d.pos)
	}
	for i := 0; i < len(items); i += 2 {
		if !hashable(items[i]) {
			// Python refuses it (TypeError), even in a dict that is
			// dropped later.
			return corrupt("unhashable %s as a dict key at byte %d", kind(items[i]), d.pos)
		}
		if _, ok := items[i].(tuple); ok {
			d.oddOps++ // og-rek cannot key a map by a tuple
		}
		m.keys = append(m.keys, items[i])
		m.vals = append(m.vals, items[i+1])
	}
	return nil
}

// hashable reports whether Python could use v as a dict key: not a list
// or dict, nor a tuple that holds one.
func hashable(v any) bool {
	switch v := v.(type) {
	case *list, *dict:
		return false
	case tuple:
		for _, e := range v {
			if !hashable(e) {
				return false
			}
		}
	}
	return true
}

func (d *decoder) run() (any, error) {
	for {
		if d.pos >= len(d.p) {
			return nil, corrupt("no STOP")
		}
		at := d.pos
		op := d.p[d.pos]
		d.pos++
		switch op {
		case opProto:
			v, err := d.uint(1)
			if err != nil {
				return nil, err
			}
			if v > 5 {
				return nil, corrupt("protocol %d", v)
			}
		case opFrame:
			if _, err := d.uint(8); err != nil {
				return nil, err
			}
		case opStop:
			if len(d.marks) != 0 || len(d.stack) != 1 {
				return nil, corrupt("STOP with %d values and %d marks", len(d.stack), len(d.marks))
			}
			return d.stack[0], nil
		case opMark:
			d.marks = append(d.marks, len(d.stack))
		case opPop:
			if _, err := d.pop(); err != nil {
				return nil, err
			}
		case opPopMark:
			d.oddOps++
			if _, err := d.popMark(); err != nil {
				return nil, err
			}
		case opDup:
			d.oddOps++ // og-rek's copy of a list does not see later appends
			v, err := d.top()
			if err != nil {
				return nil, err
			}
			d.push(v)
		case opNone:
			d.push(nil)
		case opNewTrue:
			d.push(true)
		case opNewFalse:
			d.push(false)
		case opBinInt:
			u, err := d.uint(4)
			if err != nil {
				return nil, err
			}
			d.push(int64(int32(uint32(u))))
		case opBinInt1, opBinInt2:
			n := 1
			if op == opBinInt2 {
				n = 2
			}
			u, err := d.uint(n)
			if err != nil {
				return nil, err
			}
			d.push(int64(u))
		case opLong1, opLong4:
			n := 1
			if op == opLong4 {
				n = 4
				d.oddOps++ // og-rek knows no LONG4
			}
			l, err := d.uint(n)
			if err != nil {
				return nil, err
			}
			if op == opLong4 && int32(uint32(l)) < 0 {
				return nil, corrupt("negative LONG4 length")
			}
			b, err := d.read(l)
			if err != nil {
				return nil, err
			}
			d.push(decodeLong(b))
		case opBinFloat:
			b, err := d.read(8)
			if err != nil {
				return nil, err
			}
			d.push(math.Float64frombits(binary.BigEndian.Uint64(b)))
		case opShortBinUni, opBinUnicode, opBinUnicode8:
			s, err := d.counted(op, opShortBinUni, opBinUnicode)
			if err != nil {
				return nil, err
			}
			if !validWTF8(s) {
				return nil, corrupt("a str that is not UTF-8 at byte %d", at)
			}
			d.push(string(s))
		case opShortBinBytes, opBinBytes, opBinBytes8:
			s, err := d.counted(op, opShortBinBytes, opBinBytes)
			if err != nil {
				return nil, err
			}
			d.push(pybytes(s))
		case opShortBinString, opBinString:
			s, err := d.counted(op, opShortBinString, opBinString)
			if err != nil {
				return nil, err
			}
			d.push(pybytes(s))
		case opEmptyDict:
			d.push(&dict{})
		case opDict:
			items, err := d.popMark()
			if err != nil {
				return nil, err
			}
			m := &dict{}
			if err := d.setItems(m, items); err != nil {
				return nil, err
			}
			d.push(m)
		case opSetItem, opSetItems:
			var items []any
			if op == opSetItem {
				v, err := d.pop()
				if err != nil {
					return nil, err
				}
				k, err := d.pop()
				if err != nil {
					return nil, err
				}
				items = []any{k, v}
			} else {
				var err error
				if items, err = d.popMark(); err != nil {
					return nil, err
				}
			}
			m, err := d.top()
			if err != nil {
				return nil, err
			}
			if err := d.setItems(m, items); err != nil {
				return nil, err
			}
		case opEmptyList:
			d.push(&list{})
		case opList:
			items, err := d.popMark()
			if err != nil {
				return nil, err
			}
			d.push(&list{v: items})
		case opAppend, opAppends:
			var items []any
			if op == opAppend {
				v, err := d.pop()
				if err != nil {
					return nil, err
				}
				items = []any{v}
			} else {
				var err error
				if items, err = d.popMark(); err != nil {
					return nil, err
				}
			}
			top, err := d.top()
			if err != nil {
				return nil, err
			}
			l, ok := top.(*list)
			if !ok {
				return nil, corrupt("APPEND to a %s at byte %d", kind(top), at)
			}
			l.v = append(l.v, items...)
		case opEmptyTuple:
			d.push(tuple{})
		case opTuple:
			items, err := d.popMark()
			if err != nil {
				return nil, err
			}
			d.push(tuple(items))
		case opTuple1, opTuple2, opTuple3:
			n := int(op-opTuple1) + 1
			t := make(tuple, n)
			for i := n - 1; i >= 0; i-- {
				v, err := d.pop()
				if err != nil {
					return nil, err
				}
				t[i] = v
			}
			d.push(t)
		case opMemoize, opBinPut, opLongBinPut:
			var idx uint64
			var err error
			switch op {
			case opMemoize:
				idx = uint64(len(d.memo))
			case opBinPut:
				idx, err = d.uint(1)
			default:
				idx, err = d.uint(4)
			}
			if err != nil {
				return nil, err
			}
			v, err := d.top()
			if err != nil {
				return nil, err
			}
			d.memo[idx] = v
		case opBinGet, opLongBinGet:
			n := 1
			if op == opLongBinGet {
				n = 4
			}
			idx, err := d.uint(n)
			if err != nil {
				return nil, err
			}
			d.oddOps++
			v, ok := d.memo[idx]
			if !ok {
				return nil, corrupt("memo %d is not set at byte %d", idx, at)
			}
			d.push(v)
		default:
			if name, ok := refused[op]; ok {
				return nil, fmt.Errorf("%w: opcode %s at byte %d", ErrUnsupported, name, at)
			}
			return nil, fmt.Errorf("%w: opcode %#x at byte %d (protocol 0 and 1 text opcodes are not read)", ErrUnsupported, op, at)
		}
	}
}

// counted reads a length-prefixed string: a 1-byte length for short, 4
// bytes for mid and 8 otherwise.
func (d *decoder) counted(op, short, mid byte) ([]byte, error) {
	n := 8
	switch op {
	case short:
		n = 1
	case mid:
		n = 4
	}
	l, err := d.uint(n)
	if err != nil {
		return nil, err
	}
	return d.read(l)
}

// decodeLong reads a little-endian two's complement integer (LONG1, LONG4).
func decodeLong(b []byte) any {
	if len(b) == 0 {
		return int64(0)
	}
	be := make([]byte, len(b))
	for i, c := range b {
		be[len(b)-1-i] = c
	}
	n := new(big.Int).SetBytes(be)
	if b[len(b)-1]&0x80 != 0 {
		n.Sub(n, new(big.Int).Lsh(big.NewInt(1), uint(8*len(b))))
	}
	if n.IsInt64() {
		return n.Int64()
	}
	return n
}

// validWTF8 reports whether s is UTF-8 in which lone surrogates may be
// encoded (Python's "surrogatepass", which pickle uses).
func validWTF8(s []byte) bool {
	for i := 0; i < len(s); {
		if s[i] < utf8.RuneSelf {
			i++
			continue
		}
		r, n := utf8.DecodeRune(s[i:])
		if r == utf8.RuneError && n <= 1 {
			// A surrogate: ED A0-BF 80-BF.
			if i+2 < len(s) && s[i] == 0xed && s[i+1] >= 0xa0 && s[i+1] <= 0xbf && s[i+2] >= 0x80 && s[i+2] <= 0xbf {
				i += 3
				continue
			}
			return false
		}
		i += n
	}
	return true
}

func kind(v any) string {
	switch v.(type) {
	case *dict:
		return "dict"
	case *list:
		return "list"
	case tuple:
		return "tuple"
	case string:
		return "str"
	case pybytes:
		return "bytes"
	case nil:
		return "None"
	case bool:
		return "bool"
	case float64:
		return "float"
	default:
		return "int"
	}
}

// converter turns decoded values into JSON-like ones. budget bounds the
// values visited, so that a pickle that refers to one list from many
// places (its memo) cannot make the conversion exponential.
type converter struct {
	budget int
}

func (c *converter) convert(v any, depth int) (any, error) {
	c.budget--
	if c.budget < 0 {
		return nil, fmt.Errorf("%w: too many shared references", ErrUnsupported)
	}
	if depth > MaxDepth {
		return nil, fmt.Errorf("%w: nested more than %d deep", ErrUnsupported, MaxDepth)
	}
	switch v := v.(type) {
	case *dict:
		o := &pyjson.Object{}
		for i, k := range v.keys {
			var ks string
			switch k := k.(type) {
			case string:
				ks = k
			default:
				return nil, fmt.Errorf("%w: a dict key of type %s", ErrUnsupported, kind(k))
			}
			ev, err := c.convert(v.vals[i], depth+1)
			if err != nil {
				return nil, err
			}
			o.Set(ks, ev)
		}
		return o, nil
	case *list:
		return c.list(v.v, depth)
	case tuple:
		return c.list(v, depth)
	case pybytes:
		if !utf8.ValidString(string(v)) {
			return nil, fmt.Errorf("%w: bytes that are not UTF-8", ErrUnsupported)
		}
		return string(v), nil
	default:
		return v, nil // nil, bool, int64, *big.Int, float64, string
	}
}

func (c *converter) list(v []any, depth int) (any, error) {
	l := make([]any, len(v))
	for i, e := range v {
		ev, err := c.convert(e, depth+1)
		if err != nil {
			return nil, err
		}
		l[i] = ev
	}
	return l, nil
}

// DecodeJSON reads a pickle of a dict and returns it as pyjson.Marshal
// writes it: Python's json.dumps with Django's separators, keys in the
// dict's order.
func DecodeJSON(p []byte) ([]byte, error) {
	v, err := Decode(p)
	if err != nil {
		return nil, err
	}
	o, ok := v.(*pyjson.Object)
	if !ok {
		return nil, fmt.Errorf("%w: the pickle holds %s, not a dict", ErrUnsupported, jsonKind(v))
	}
	return pyjson.Marshal(o)
}

func jsonKind(v any) string {
	switch v.(type) {
	case []any:
		return "a list"
	case string:
		return "a str"
	case nil:
		return "None"
	case bool:
		return "a bool"
	case float64:
		return "a float"
	case *pyjson.Object, map[string]any:
		return "a dict"
	default:
		return "an int"
	}
}

// Encode pickles a JSON-like value with Protocol: *pyjson.Object,
// map[string]any (keys sorted), []any, string, any Go integer, *big.Int,
// float64, bool and nil, as Decode and pyjson.UnmarshalOrdered return
// them.
func Encode(v any) ([]byte, error) {
	b := []byte{opProto, Protocol}
	b, err := appendValue(b, v, 0)
	if err != nil {
		return nil, err
	}
	return append(b, opStop), nil
}

func appendValue(b []byte, v any, depth int) ([]byte, error) {
	if depth > MaxDepth {
		return nil, fmt.Errorf("pypickle: encode: nested more than %d deep", MaxDepth)
	}
	var err error
	switch v := v.(type) {
	case nil:
		return append(b, opNone), nil
	case bool:
		if v {
			return append(b, opNewTrue), nil
		}
		return append(b, opNewFalse), nil
	case int:
		return appendInt(b, int64(v)), nil
	case int64:
		return appendInt(b, v), nil
	case int32:
		return appendInt(b, int64(v)), nil
	case *big.Int:
		if v.IsInt64() {
			return appendInt(b, v.Int64()), nil
		}
		return appendLong(b, v), nil
	case float64:
		b = append(b, opBinFloat)
		return binary.BigEndian.AppendUint64(b, math.Float64bits(v)), nil
	case string:
		if len(v) < 256 {
			b = append(b, opShortBinUni, byte(len(v)))
		} else if uint64(len(v)) <= math.MaxUint32 {
			b = append(b, opBinUnicode)
			b = binary.LittleEndian.AppendUint32(b, uint32(len(v)))
		} else {
			b = append(b, opBinUnicode8)
			b = binary.LittleEndian.AppendUint64(b, uint64(len(v)))
		}
		return append(b, v...), nil
	case []any:
		b = append(b, opEmptyList)
		if len(v) == 0 {
			return b, nil
		}
		b = append(b, opMark)
		for _, e := range v {
			if b, err = appendValue(b, e, depth+1); err != nil {
				return nil, err
			}
		}
		return append(b, opAppends), nil
	case *pyjson.Object:
		b = append(b, opEmptyDict)
		if v.Len() == 0 {
			return b, nil
		}
		b = append(b, opMark)
		for k, e := range v.All() {
			b, _ = appendValue(b, k, depth+1)
			if b, err = appendValue(b, e, depth+1); err != nil {
				return nil, err
			}
		}
		return append(b, opSetItems), nil
	case map[string]any:
		o := &pyjson.Object{}
		for _, k := range sortedKeys(v) {
			o.Set(k, v[k])
		}
		return appendValue(b, o, depth)
	default:
		return nil, fmt.Errorf("pypickle: encode: a %T is not a JSON-like value", v)
	}
}

func appendInt(b []byte, n int64) []byte {
	switch {
	case n >= 0 && n < 1<<8:
		return append(b, opBinInt1, byte(n))
	case n >= 0 && n < 1<<16:
		return append(b, opBinInt2, byte(n), byte(n>>8))
	case n >= math.MinInt32 && n <= math.MaxInt32:
		b = append(b, opBinInt)
		return binary.LittleEndian.AppendUint32(b, uint32(int32(n)))
	}
	return appendLong(b, big.NewInt(n))
}

// appendLong writes n as LONG1 or LONG4: little-endian two's complement in
// the fewest bytes, as Python's encode_long.
func appendLong(b []byte, n *big.Int) []byte {
	nbytes := n.BitLen()/8 + 1
	m := new(big.Int).Set(n)
	if n.Sign() < 0 {
		m.Add(m, new(big.Int).Lsh(big.NewInt(1), uint(8*nbytes)))
	}
	be := m.FillBytes(make([]byte, nbytes))
	le := make([]byte, nbytes)
	for i, c := range be {
		le[nbytes-1-i] = c
	}
	// Drop a redundant sign byte, as Python does.
	if n.Sign() < 0 && nbytes > 1 && le[nbytes-1] == 0xff && le[nbytes-2]&0x80 != 0 {
		le = le[:nbytes-1]
	}
	if len(le) < 256 {
		b = append(b, opLong1, byte(len(le)))
	} else {
		b = append(b, opLong4)
		b = binary.LittleEndian.AppendUint32(b, uint32(len(le)))
	}
	return append(b, le...)
}

// EncodeJSON pickles the JSON object data (as the JSON codec writes a
// session) as the Python dict it stands for, keys in order.
func EncodeJSON(data []byte) ([]byte, error) {
	v, err := pyjson.UnmarshalOrdered(data)
	if err != nil {
		return nil, fmt.Errorf("pypickle: the session is not JSON: %w", err)
	}
	if _, ok := v.(*pyjson.Object); !ok {
		return nil, fmt.Errorf("pypickle: the session is JSON %s, not an object", jsonKind(v))
	}
	return Encode(v)
}
