package fastzlib_test

import (
	"bytes"
	"compress/zlib"
	"fmt"
	"io"

	"github.com/sessionkit/sessionkit/internal/fastzlib"
)

func Example() {
	session := []byte(`{"cart":[{"sku":"SKU-000001","qty":1},{"sku":"SKU-000002","qty":1},{"sku":"SKU-000003","qty":2}]}`)

	// Append reuses dst's memory; here it starts empty.
	z := fastzlib.Append(nil, session)

	// Any zlib reader decodes it.
	r, err := zlib.NewReader(bytes.NewReader(z))
	if err != nil {
		panic(err)
	}
	text, err := io.ReadAll(r)
	if err != nil {
		panic(err)
	}
	fmt.Printf("%d bytes, compressed to %d\n", len(session), len(z))
	fmt.Println(string(text))
	// Output:
	// 97 bytes, compressed to 55
	// {"cart":[{"sku":"SKU-000001","qty":1},{"sku":"SKU-000002","qty":1},{"sku":"SKU-000003","qty":2}]}
}
