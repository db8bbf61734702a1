package pyjson_test

import (
	"fmt"
	"math/big"
	"slices"
	"strings"
	"testing"

	"github.com/sessionkit/sessionkit/pyjson"
)

func TestObjectZeroValueAndNil(t *testing.T) {
	var nilObj *pyjson.Object
	if _, ok := nilObj.Get("a"); ok {
		t.Error("nil Object has a key")
	}
	if nilObj.Len() != 0 || nilObj.Keys() != nil || nilObj.Delete("a") || nilObj.Clone() != nil {
		t.Error("nil Object is not empty")
	}
	for range nilObj.All() {
		t.Error("nil Object yields")
	}

	var o pyjson.Object
	if o.Len() != 0 {
		t.Error("zero Object is not empty")
	}
	o.Set("a", 1)
	if v, ok := o.Get("a"); !ok || v != 1 {
		t.Errorf("Get = %v, %v", v, ok)
	}
}

// The Object behaves as a Python dict: a model with a plain slice of keys
// checks every operation across the size where the Object starts indexing.
func TestObjectMatchesDictModel(t *testing.T) {
	o := new(pyjson.Object)
	var keys []string
	vals := map[string]any{}
	check := func(step string) {
		t.Helper()
		if got := o.Keys(); !slices.Equal(got, keys) {
			t.Fatalf("after %s: keys %v, want %v", step, got, keys)
		}
		if o.Len() != len(keys) {
			t.Fatalf("after %s: Len %d, want %d", step, o.Len(), len(keys))
		}
		i := 0
		for k, v := range o.All() {
			if k != keys[i] || v != vals[k] {
				t.Fatalf("after %s: All()[%d] = %s:%v, want %s:%v", step, i, k, v, keys[i], vals[keys[i]])
			}
			i++
		}
		for _, k := range keys {
			if v, ok := o.Get(k); !ok || v != vals[k] {
				t.Fatalf("after %s: Get(%s) = %v, %v; want %v", step, k, v, ok, vals[k])
			}
		}
		if _, ok := o.Get("absent"); ok {
			t.Fatalf("after %s: absent key found", step)
		}
	}
	set := func(k string, v int) {
		o.Set(k, v)
		if _, ok := vals[k]; !ok {
			keys = append(keys, k)
		}
		vals[k] = v
		check("Set " + k)
	}
	del := func(k string) {
		_, had := vals[k]
		if got := o.Delete(k); got != had {
			t.Fatalf("Delete(%s) = %v, want %v", k, got, had)
		}
		if had {
			keys = slices.DeleteFunc(keys, func(s string) bool { return s == k })
			delete(vals, k)
		}
		check("Delete " + k)
	}
	for i := range 20 {
		set(fmt.Sprint("k", i), i)
	}
	set("k3", 300) // existing key keeps its place
	del("k0")
	del("k10")
	del("absent")
	set("k0", 1000) // a deleted key comes back last
	for i := 19; i >= 0; i-- {
		del(fmt.Sprint("k", i))
	}
	set("again", 1)
	set("k5", 5)
	del("again")
}

func TestObjectAllStopsAndSurvivesDelete(t *testing.T) {
	o := new(pyjson.Object)
	for _, k := range []string{"a", "b", "c", "d"} {
		o.Set(k, k)
	}
	var seen []string
	for k := range o.All() {
		seen = append(seen, k)
		if k == "b" {
			break
		}
	}
	if strings.Join(seen, "") != "ab" {
		t.Errorf("break: saw %v", seen)
	}
	seen = nil
	for k := range o.All() {
		seen = append(seen, k)
		o.Delete("d") // must not make the loop read past the end
	}
	if strings.Join(seen, "") != "abc" {
		t.Errorf("delete during iteration: saw %v", seen)
	}
}

func TestObjectKeysIsACopy(t *testing.T) {
	o := new(pyjson.Object)
	o.Set("a", 1)
	k := o.Keys()
	k[0] = "changed"
	if _, ok := o.Get("a"); !ok {
		t.Error("changing Keys() changed the Object")
	}
}

func TestObjectCloneIsDeep(t *testing.T) {
	inner := new(pyjson.Object)
	inner.Set("x", 1)
	o := new(pyjson.Object)
	o.Set("obj", inner)
	o.Set("map", map[string]any{"m": []any{1}})
	o.Set("list", []any{map[string]any{"deep": 1}})
	o.Set("big", big.NewInt(5))
	for i := range 10 { // past the index threshold
		o.Set(fmt.Sprint("n", i), i)
	}
	before, _ := pyjson.Marshal(o)

	c := o.Clone()
	ci, _ := c.Get("obj")
	ci.(*pyjson.Object).Set("x", 2)
	cm, _ := c.Get("map")
	cm.(map[string]any)["m"].([]any)[0] = 2
	cl, _ := c.Get("list")
	cl.([]any)[0].(map[string]any)["deep"] = 2
	cb, _ := c.Get("big")
	cb.(*big.Int).SetInt64(6)
	c.Set("n3", "changed")
	c.Delete("n4")
	c.Set("new", true)

	after, _ := pyjson.Marshal(o)
	if string(before) != string(after) {
		t.Errorf("changing the clone changed the original:\nbefore %s\nafter  %s", before, after)
	}
	cj, _ := pyjson.Marshal(c)
	want := `{"obj":{"x":2},"map":{"m":[2]},"list":[{"deep":2}],"big":6,"n0":0,"n1":1,"n2":2,"n3":"changed","n5":5,"n6":6,"n7":7,"n8":8,"n9":9,"new":true}`
	if string(cj) != want {
		t.Errorf("clone = %s\nwant    %s", cj, want)
	}
}

// Large hostile objects must not make decoding quadratic: 100k distinct
// keys decode quickly because the Object indexes its keys.
func TestObjectManyKeys(t *testing.T) {
	var sb strings.Builder
	sb.WriteByte('{')
	const n = 100000
	for i := range n {
		if i > 0 {
			sb.WriteByte(',')
		}
		fmt.Fprintf(&sb, `"k%d":%d`, i, i)
	}
	sb.WriteByte('}')
	o, err := pyjson.DecodeObject([]byte(sb.String()))
	if err != nil {
		t.Fatal(err)
	}
	if o.Len() != n {
		t.Fatalf("Len = %d", o.Len())
	}
	if v, _ := o.Get("k12345"); v != 12345 {
		t.Errorf("Get(k12345) = %v", v)
	}
}
