package signing

// CompressedLen is the length of the zlib stream SignPayload would write
// for data, compressed or not.
func CompressedLen(data []byte) int {
	z := new(zbuf)
	z.deflate(data)
	return z.Len()
}
