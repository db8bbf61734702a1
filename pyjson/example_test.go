package pyjson_test

import (
	"fmt"

	"github.com/sessionkit/sessionkit/pyjson"
)

func Example() {
	session := new(pyjson.Object)
	session.Set("name", "Jürgen")
	session.Set("cart", []any{"A1", "B2"})
	session.Set("total", 3.0)
	session.Set("_auth_user_id", "42")

	b, err := pyjson.Marshal(session)
	if err != nil {
		panic(err)
	}
	fmt.Println(string(b))

	// Decoding keeps the order, the integer/float distinction and the
	// escapes, so writing it back gives the same bytes.
	back, err := pyjson.DecodeObject(b)
	if err != nil {
		panic(err)
	}
	fmt.Println(back.Keys())
	again, _ := pyjson.Marshal(back)
	fmt.Println(string(again) == string(b))
	// Output:
	// {"name":"J\u00fcrgen","cart":["A1","B2"],"total":3.0,"_auth_user_id":"42"}
	// [name cart total _auth_user_id]
	// true
}

func ExampleUnmarshal_latin1() {
	// Django reads JSON as Latin-1: raw UTF-8 bytes become one character
	// each. Python's json.dumps never writes them, so only JSON from a
	// non-Python writer shows this.
	v, _ := pyjson.Unmarshal([]byte(`{"k":"é"}`))
	fmt.Printf("%q\n", v.(map[string]any)["k"])
	// Output:
	// "Ã©"
}
