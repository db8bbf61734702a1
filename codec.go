package sessionkit

import (
	"fmt"

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
	b, err := pyjson.AppendMarshal(nil, data)
	if err != nil {
		return nil, err
	}
	if len(b) > MaxReadSize {
		return nil, errJSONTooLarge(len(b))
	}
	return b, nil
}

// Decode implements Codec. Data over MaxReadSize is an error wrapping
// ErrTooLarge.
func (JSONCodec) Decode(b []byte) (*pyjson.Object, error) {
	if len(b) > MaxReadSize {
		return nil, fmt.Errorf("%w: the stored session is %d bytes, more than MaxReadSize (%d); it was not written by sessionkit, which saves at most Manager.MaxSize", ErrTooLarge, len(b), MaxReadSize)
	}
	return pyjson.DecodeObject(b)
}

// errJSONTooLarge is the error for a session whose JSON could not be read
// back: such a session is never saved.
func errJSONTooLarge(n int) error {
	return fmt.Errorf("%w: its JSON is %d bytes, more than MaxReadSize (%d) — more than could be read back; keep large data elsewhere and a reference to it in the session", ErrTooLarge, n, MaxReadSize)
}
