// Package pypickle reads and writes the pickles that Django's cache
// backends store, limited to the values JSON can carry, through og-rek
// (github.com/kisielk/og-rek), which decodes a pickle without importing or
// calling anything.
//
// Django's cache session engines keep the session dict in the cache,
// pickled by the cache backend (pymemcache's serde for PyMemcacheCache,
// RedisSerializer for RedisCache). A pickle is a program for Python's
// unpickler, and the session it holds is meant to be read by Django: a
// session that is not JSON-like could never have been written by a Django
// project whose SESSION_SERIALIZER is JSON, so it is refused.
//
// Decode accepts only dict (with str keys), list, tuple (read as a list),
// str, bytes (read as a str when they are UTF-8), int, float, bool and
// None. Anything else — a global, the result of a reduce, a persistent
// reference, a bytearray, a set, a dict with other keys — is an error
// wrapping ErrUnsupported. og-rek never imports or calls: a global comes
// back as a name and a reduce as a (name, arguments) pair, both refused
// here. The one reduce it turns into data itself is
// _codecs.encode(str, "latin1"), the way protocol 2 writes bytes, which
// reads as those bytes.
//
// Encode writes the same JSON-like values as a protocol 4 pickle, which
// every Python 3 supported by Django 3.2 and later reads.
package pypickle

import (
	"bytes"
	"errors"
	"fmt"
	"math/big"
	"unicode/utf8"

	ogórek "github.com/kisielk/og-rek"

	"github.com/sessionkit/sessionkit/pyjson"
)

// Protocol is the pickle protocol Encode writes. Python 3.4 and later read
// it; Django writes pickle.HIGHEST_PROTOCOL (5 on Python 3.8 and later),
// which differs only in opcodes that JSON-like values do not need.
const Protocol = 4

// MaxDepth is how deeply containers may nest in a decoded value, as in
// pyjson.
const MaxDepth = pyjson.MaxDecodeDepth

// ErrUnsupported is wrapped by Decode's error for a pickle that holds a
// value JSON cannot carry (see the package documentation).
var ErrUnsupported = errors.New("pypickle: not a JSON-like value")

// ErrCorrupt is wrapped by Decode's error for bytes that are not a pickle.
var ErrCorrupt = errors.New("pypickle: not a pickle")

var errNoPersistent = errors.New("pypickle: persistent references are not supported")

// Decode reads one pickle and returns its value as JSON-like Go values:
// map[string]any, []any, string, int64, *big.Int, float64, bool and nil.
// Bytes after the pickle's STOP are ignored, as Python's pickle.loads
// ignores them.
func Decode(p []byte) (any, error) {
	r := bytes.NewReader(p)
	d := ogórek.NewDecoderWithConfig(r, &ogórek.DecoderConfig{
		StrictUnicode:  true,
		PersistentLoad: func(ogórek.Ref) (any, error) { return nil, errNoPersistent },
	})
	v, err := d.Decode()
	if err != nil {
		if errors.Is(err, errNoPersistent) {
			return nil, fmt.Errorf("%w: a persistent reference", ErrUnsupported)
		}
		return nil, fmt.Errorf("%w: %v", ErrCorrupt, err)
	}
	c := converter{budget: 16*len(p) + 1024}
	out, err := c.convert(v, 0)
	if err != nil {
		return nil, err
	}
	return out, nil
}

// converter turns og-rek's values into JSON-like ones. budget bounds the
// number of values visited, so that a pickle that refers to one list from
// many places (its memo) cannot make the conversion exponential.
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
	case ogórek.None:
		return nil, nil
	case nil:
		return nil, nil
	case bool, float64, int64:
		return v, nil
	case *big.Int:
		if v.IsInt64() {
			return v.Int64(), nil
		}
		return v, nil
	case string:
		return v, nil
	case ogórek.Bytes:
		return bytesString(string(v))
	case ogórek.ByteString:
		return bytesString(string(v))
	case []any:
		return c.list(v, depth)
	case ogórek.Tuple:
		return c.list(v, depth)
	case map[any]any:
		m := make(map[string]any, len(v))
		for k, e := range v {
			var ks string
			switch k := k.(type) {
			case string:
				ks = k
			case ogórek.ByteString:
				s, err := bytesString(string(k))
				if err != nil {
					return nil, err
				}
				ks = s.(string)
			default:
				return nil, fmt.Errorf("%w: a dict key of type %s", ErrUnsupported, pyType(k))
			}
			ev, err := c.convert(e, depth+1)
			if err != nil {
				return nil, err
			}
			m[ks] = ev
		}
		return m, nil
	default:
		return nil, fmt.Errorf("%w: %s", ErrUnsupported, pyType(v))
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

// bytesString reads Python bytes as the str they encode in UTF-8.
func bytesString(b string) (any, error) {
	if !utf8.ValidString(b) {
		return nil, fmt.Errorf("%w: bytes that are not UTF-8", ErrUnsupported)
	}
	return b, nil
}

// pyType names what og-rek decoded, for errors; never the value, which
// may be session data.
func pyType(v any) string {
	switch v := v.(type) {
	case ogórek.Class:
		return "a global (" + v.Module + "." + v.Name + ")"
	case ogórek.Call:
		return "a reduce of " + v.Callable.Module + "." + v.Callable.Name
	case ogórek.Ref:
		return "a persistent reference"
	case []byte:
		return "a bytearray"
	default:
		return fmt.Sprintf("a Go %T", v)
	}
}

// DecodeJSON reads a pickle of a dict and returns it as JSON written by
// pyjson.Marshal: Python's json.dumps with Django's separators, keys
// sorted (og-rek does not keep a dict's order).
func DecodeJSON(p []byte) ([]byte, error) {
	v, err := Decode(p)
	if err != nil {
		return nil, err
	}
	if _, ok := v.(map[string]any); !ok {
		return nil, fmt.Errorf("%w: the pickle holds %s, not a dict", ErrUnsupported, jsonType(v))
	}
	return pyjson.Marshal(v)
}

func jsonType(v any) string {
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
	default:
		return "an int"
	}
}

// Encode pickles a JSON-like value (as Decode returns, or as
// pyjson.Unmarshal does: int as well as int64) with Protocol.
func Encode(v any) ([]byte, error) {
	var b bytes.Buffer
	e := ogórek.NewEncoderWithConfig(&b, &ogórek.EncoderConfig{Protocol: Protocol})
	if err := e.Encode(v); err != nil {
		return nil, fmt.Errorf("pypickle: encode: %w", err)
	}
	return b.Bytes(), nil
}

// EncodeJSON pickles the JSON object data (as the JSON codec writes a
// session) as the Python dict it stands for.
func EncodeJSON(data []byte) ([]byte, error) {
	v, err := pyjson.Unmarshal(data)
	if err != nil {
		return nil, fmt.Errorf("pypickle: the session is not JSON: %w", err)
	}
	if _, ok := v.(map[string]any); !ok {
		return nil, fmt.Errorf("pypickle: the session is JSON %s, not an object", jsonType(v))
	}
	return Encode(v)
}
