package pyjson

import (
	"iter"
	"maps"
	"math/big"
)

// Object is a JSON object that keeps its keys in insertion order, as a
// Python dict does, so that a session written by Django is written back by
// Go with its keys in the same order. The zero value is an empty object
// ready to use; a nil *Object reads as empty.
//
// An Object is not safe for concurrent use, not even for reading: an
// Object from DecodeObject decodes each value the first time it is read
// (Get, All, Clone, Marshal) and keeps the result. Guard it with a mutex.
type Object struct {
	entries []entry
	// index maps a key to its position in entries. It stays nil while the
	// object is small, where a linear scan is faster than hashing, and is
	// built once the object grows past indexThreshold keys so that large
	// (possibly hostile) objects do not make decoding quadratic.
	index map[string]int
	// sizeHint is the length of the JSON DecodeObject read o from.
	sizeHint int
}

type entry struct {
	key   string
	value any
	// raw is the value's JSON, not decoded yet (see DecodeObject), or nil
	// once value holds it. It is never modified.
	raw []byte
}

// get returns entry i's value, decoding it on first use.
func (o *Object) get(i int) any {
	e := &o.entries[i]
	if e.raw != nil {
		v, err := decodeRaw(e.raw)
		if err != nil {
			// DecodeObject checked this text with the same decoder.
			panic("pyjson: decoding a value DecodeObject accepted: " + err.Error())
		}
		e.value, e.raw = v, nil
	}
	return e.value
}

// setRaw stores the JSON text raw under key, to be decoded when read.
func (o *Object) setRaw(key string, raw []byte) {
	if i := o.find(key); i >= 0 {
		o.entries[i].value, o.entries[i].raw = nil, raw
		return
	}
	o.add(entry{key: key, raw: raw})
}

// indexThreshold is the size above which an Object keeps a key index.
const indexThreshold = 16

func (o *Object) find(key string) int {
	if o.index != nil {
		if i, ok := o.index[key]; ok {
			return i
		}
		return -1
	}
	for i := range o.entries {
		if o.entries[i].key == key {
			return i
		}
	}
	return -1
}

// Get returns the value stored under key and whether the key is present.
func (o *Object) Get(key string) (any, bool) {
	if o == nil {
		return nil, false
	}
	if i := o.find(key); i >= 0 {
		return o.get(i), true
	}
	return nil, false
}

// Set stores v under key. A new key goes last; an existing key keeps its
// position and only its value changes, as with a Python dict.
func (o *Object) Set(key string, v any) {
	if i := o.find(key); i >= 0 {
		o.entries[i].value, o.entries[i].raw = v, nil
		return
	}
	o.add(entry{key: key, value: v})
}

// add appends e, whose key is not in o.
func (o *Object) add(e entry) {
	if o.entries == nil {
		// Room for a small session's keys: one allocation, not one per
		// doubling.
		o.entries = make([]entry, 0, 8)
	}
	o.entries = append(o.entries, e)
	switch {
	case o.index != nil:
		o.index[e.key] = len(o.entries) - 1
	case len(o.entries) > indexThreshold:
		o.index = make(map[string]int, 2*len(o.entries))
		for i, e := range o.entries {
			o.index[e.key] = i
		}
	}
}

// Delete removes key and reports whether it was present. The keys after it
// keep their order; setting key again puts it last.
func (o *Object) Delete(key string) bool {
	if o == nil {
		return false
	}
	i := o.find(key)
	if i < 0 {
		return false
	}
	copy(o.entries[i:], o.entries[i+1:])
	o.entries[len(o.entries)-1] = entry{} // drop the reference for the GC
	o.entries = o.entries[:len(o.entries)-1]
	if o.index != nil {
		delete(o.index, key)
		for j := i; j < len(o.entries); j++ {
			o.index[o.entries[j].key] = j
		}
	}
	return true
}

// Len returns the number of keys.
func (o *Object) Len() int {
	if o == nil {
		return 0
	}
	return len(o.entries)
}

// Keys returns a copy of the keys, in order.
func (o *Object) Keys() []string {
	if o == nil {
		return nil
	}
	keys := make([]string, len(o.entries))
	for i, e := range o.entries {
		keys[i] = e.key
	}
	return keys
}

// All returns an iterator over the keys and values, in order.
func (o *Object) All() iter.Seq2[string, any] {
	return func(yield func(string, any) bool) {
		if o == nil {
			return
		}
		// Index on every step so that a Delete inside the loop cannot make
		// it read past the end.
		for i := 0; i < len(o.entries); i++ {
			if !yield(o.entries[i].key, o.get(i)) {
				return
			}
		}
	}
}

// Clone returns a deep copy of o: nested *Object, map[string]any, []any
// and *big.Int values are copied too, so changing the copy never changes
// o. Other values (strings, numbers, values of your own types) are shared.
func (o *Object) Clone() *Object {
	if o == nil {
		return nil
	}
	c := &Object{entries: make([]entry, len(o.entries))}
	for i, e := range o.entries {
		if e.raw != nil {
			c.entries[i] = e // the text is immutable: share it
			continue
		}
		c.entries[i] = entry{key: e.key, value: cloneValue(e.value)}
	}
	if o.index != nil {
		c.index = maps.Clone(o.index)
	}
	return c
}

func cloneValue(v any) any {
	switch x := v.(type) {
	case *Object:
		return x.Clone()
	case map[string]any:
		if x == nil {
			return x
		}
		m := make(map[string]any, len(x))
		for k, v := range x {
			m[k] = cloneValue(v)
		}
		return m
	case []any:
		if x == nil {
			return x
		}
		s := make([]any, len(x))
		for i, v := range x {
			s[i] = cloneValue(v)
		}
		return s
	case *big.Int:
		if x == nil {
			return x
		}
		return new(big.Int).Set(x)
	}
	return v
}

// MarshalJSON implements json.Marshaler, so that an Object inside a value
// given to encoding/json keeps its key order (it writes what Marshal
// writes).
func (o *Object) MarshalJSON() ([]byte, error) {
	return Marshal(o)
}
