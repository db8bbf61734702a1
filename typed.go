package sessionkit

import (
	"encoding/json"
	"math"
	"math/big"
	"reflect"
	"time"

	"github.com/sessionkit/sessionkit/pyjson"
)

// Get returns the value stored under key as a T, and whether that worked:
// false when the key is absent or the value does not convert.
//
// Numbers convert between Go's numeric types when the value fits (an int
// stays an int; 3.0 converts to 3, 3.5 does not); a time.Time reads the
// ISO-8601 strings Django writes; anything else — structs, []T, maps — is
// converted through JSON, so Get[[]int] or Get[Cart] work on the lists and
// objects a session holds.
func Get[T any](s *Session, key string) (T, bool) {
	var zero T
	v, ok := s.Lookup(key)
	if !ok {
		return zero, false
	}
	if t, ok := v.(T); ok {
		return t, true
	}
	var out T
	rv := reflect.ValueOf(&out).Elem()
	if convertNumber(v, rv) {
		return out, true
	}
	if _, isTime := any(out).(time.Time); isTime {
		if str, ok := v.(string); ok {
			if t, err := parseISO(str); err == nil {
				return any(t).(T), true
			}
		}
		return zero, false
	}
	b, err := pyjson.Marshal(v)
	if err != nil {
		return zero, false
	}
	if err := json.Unmarshal(b, &out); err != nil {
		return zero, false
	}
	return out, true
}

// convertNumber stores the number v into dst if dst is numeric and v fits.
func convertNumber(v any, dst reflect.Value) bool {
	var f float64
	var i *big.Int
	switch x := v.(type) {
	case int:
		i = big.NewInt(int64(x))
	case int64:
		i = big.NewInt(x)
	case float64:
		f = x
	case *big.Int:
		i = x
	default:
		return false
	}
	switch dst.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		if i == nil {
			if f != math.Trunc(f) || math.IsInf(f, 0) {
				return false
			}
			i, _ = big.NewFloat(f).Int(nil)
		}
		if !i.IsInt64() || dst.OverflowInt(i.Int64()) {
			return false
		}
		dst.SetInt(i.Int64())
		return true
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		if i == nil {
			if f != math.Trunc(f) || f < 0 || math.IsInf(f, 0) {
				return false
			}
			i, _ = big.NewFloat(f).Int(nil)
		}
		if !i.IsUint64() || dst.OverflowUint(i.Uint64()) {
			return false
		}
		dst.SetUint(i.Uint64())
		return true
	case reflect.Float32, reflect.Float64:
		if i != nil {
			f, _ = new(big.Float).SetInt(i).Float64()
		}
		if dst.OverflowFloat(f) {
			return false
		}
		dst.SetFloat(f)
		return true
	}
	return false
}
