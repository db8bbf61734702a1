package sessionkit

import (
	"github.com/sessionkit/sessionkit/pyjson"
)

// A Codec turns session data into the bytes a Store keeps, and back.
// Decode errors never reach the application: the Manager logs them and
// starts an empty session, as Django does with corrupted session data.
type Codec interface {
	Encode(data *pyjson.Object) ([]byte, error)
	Decode(b []byte) (*pyjson.Object, error)
}

// JSONCodec is the default Codec: compact JSON byte-identical to Python's
// json.dumps, with every non-ASCII character escaped (so Django can read
// it) and numbers kept exact (integers stay integers, 1.0 stays a float).
type JSONCodec struct{}

// Encode implements Codec.
func (JSONCodec) Encode(data *pyjson.Object) ([]byte, error) {
	if data == nil {
		return []byte("{}"), nil
	}
	// The Object sizes the buffer: as large as the JSON it was decoded
	// from, or a typical session's size.
	return pyjson.AppendMarshal(nil, data)
}

// Decode implements Codec.
func (JSONCodec) Decode(b []byte) (*pyjson.Object, error) {
	return pyjson.DecodeObject(b)
}
