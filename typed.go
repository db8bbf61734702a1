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
	if !convert(v, reflect.ValueOf(&out).Elem()) {
		return zero, false
	}
	return out, true
}

// Pop removes key and returns its value as a T, as Get converts it. When
// the key is absent, or its value does not convert, it returns false and
// leaves the session as it was.
func Pop[T any](s *Session, key string) (T, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out T
	d := s.loadLocked()
	v, ok := d.Get(key)
	if !ok {
		return out, false
	}
	if t, ok := v.(T); ok {
		out = t
	} else if !convert(v, reflect.ValueOf(&out).Elem()) {
		return out, false
	}
	d.Delete(key)
	s.changedLocked(key)
	return out, true
}

var timeType = reflect.TypeFor[time.Time]()

// convert stores the session value v (what pyjson decodes: nil, bool,
// string, int, *big.Int, float64, []any, *pyjson.Object) into dst. Common
// shapes — numbers, strings, slices and string-keyed maps of them — are
// converted directly; anything else (structs) goes through JSON.
func convert(v any, dst reflect.Value) bool {
	if v == nil {
		switch dst.Kind() {
		case reflect.Interface, reflect.Pointer, reflect.Slice, reflect.Map:
			dst.SetZero()
			return true
		}
		return false
	}
	if rv := reflect.ValueOf(v); rv.Type().AssignableTo(dst.Type()) {
		dst.Set(rv)
		return true
	}
	if dst.Type() == timeType {
		if str, ok := v.(string); ok {
			if t, err := parseISO(str); err == nil {
				dst.Set(reflect.ValueOf(t))
				return true
			}
		}
		return false
	}
	switch dst.Kind() {
	case reflect.String:
		str, ok := v.(string)
		if ok {
			dst.SetString(str)
		}
		return ok
	case reflect.Bool:
		b, ok := v.(bool)
		if ok {
			dst.SetBool(b)
		}
		return ok
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr,
		reflect.Float32, reflect.Float64:
		return convertNumber(v, dst)
	case reflect.Slice:
		items, ok := v.([]any)
		if !ok {
			break
		}
		out := reflect.MakeSlice(dst.Type(), len(items), len(items))
		for i, item := range items {
			if !convert(item, out.Index(i)) {
				return false
			}
		}
		dst.Set(out)
		return true
	case reflect.Map:
		obj, ok := v.(*pyjson.Object)
		if !ok || dst.Type().Key().Kind() != reflect.String {
			break
		}
		out := reflect.MakeMapWithSize(dst.Type(), obj.Len())
		elem := reflect.New(dst.Type().Elem()).Elem()
		for k, item := range obj.All() {
			elem.SetZero()
			if !convert(item, elem) {
				return false
			}
			out.SetMapIndex(reflect.ValueOf(k).Convert(dst.Type().Key()), elem)
		}
		dst.Set(out)
		return true
	}
	b, err := pyjson.Marshal(v)
	if err != nil {
		return false
	}
	return json.Unmarshal(b, dst.Addr().Interface()) == nil
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
