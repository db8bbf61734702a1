// Package pyjson reads and writes JSON exactly as Python's json module does
// with the settings Django uses, so that a Go program and a Django app can
// exchange signed values and session data byte for byte.
//
// Django's JSONSerializer writes json.dumps(obj, separators=(",", ":"))
// encoded as Latin-1 and reads json.loads(data.decode("latin-1")).
// encoding/json differs from that in ways that break interoperability: it
// writes raw UTF-8, which Django decodes as Latin-1 into mojibake; it
// escapes <, > and &; it writes the float 1.0 as 1 and 1e16 as
// 10000000000000000 where Python writes 1.0 and 1e+16; decoding into a map
// loses the order of keys; every number becomes a float64; and it rejects
// NaN and Infinity, which Python writes. Marshal and Unmarshal follow
// Python instead; see their documentation for the exact rules.
//
// Order matters because a Django session is a dict: Object is an
// insertion-ordered JSON object, and UnmarshalOrdered and DecodeObject
// return one, so that data read from Django is written back unchanged.
package pyjson
