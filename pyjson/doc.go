// Package pyjson reads and writes JSON exactly as Python's json module does
// with the settings Django uses, so that a Go program and a Django app can
// exchange signed values and session data byte for byte.
//
// Django's JSONSerializer writes json.dumps(obj, separators=(",", ":"))
// encoded as Latin-1 and reads json.loads(data.decode("latin-1")).
// encoding/json differs from that in ways that break interoperability: it
// writes raw UTF-8 (which Django decodes as Latin-1 into mojibake),
// escapes < > &, writes 1.0 as 1 and 1e16 as 1e+16 differently from
// Python's repr, sorts nothing it is not asked to and loses the order of
// objects when decoding, turns every number into a float64, and rejects
// NaN and Infinity. Marshal and Unmarshal follow Python instead; see their
// documentation for the exact rules.
//
// Order matters because a Django session is a dict: Object is an
// insertion-ordered JSON object, and UnmarshalOrdered and DecodeObject
// return one, so that data read from Django is written back unchanged.
package pyjson
