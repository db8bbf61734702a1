package pyjson

// skim returns the end of the JSON value that starts at data[i], without
// building it, for the common case only: ASCII strings, numbers of up to
// 18 integer digits, true, false, null, and fewer than 64 levels of
// nesting. For anything else, valid or not (NaN, a non-ASCII byte, a
// syntax error), it returns false and the caller checks the value with
// the decoder, which gives the exact error. It is several times as fast
// as the decoder's skip mode, which loading every session pays for.
func skim(data []byte, i int) (int, bool) {
	var objects uint64 // bit n is set if level n+1 is an object
	depth := 0
	for {
		// A value starts at i.
		if i >= len(data) {
			return 0, false
		}
		switch c := data[i]; c {
		case '"':
			end, ok := skimString(data, i+1)
			if !ok {
				return 0, false
			}
			i = end
		case '{', '[':
			if depth == 63 {
				return 0, false
			}
			objects <<= 1
			depth++
			i = skimSpace(data, i+1)
			if c == '{' {
				objects |= 1
				if i < len(data) && data[i] == '}' {
					i++
					depth--
					objects >>= 1
					break
				}
				end, ok := skimKey(data, i)
				if !ok {
					return 0, false
				}
				i = end
				continue
			}
			if i < len(data) && data[i] == ']' {
				i++
				depth--
				objects >>= 1
				break
			}
			continue
		case 't':
			if !hasPrefix(data[i:], "true") {
				return 0, false
			}
			i += 4
		case 'f':
			if !hasPrefix(data[i:], "false") {
				return 0, false
			}
			i += 5
		case 'n':
			if !hasPrefix(data[i:], "null") {
				return 0, false
			}
			i += 4
		default:
			if c != '-' && (c < '0' || c > '9') {
				return 0, false
			}
			n, isFloat, ok := scanNumber(data[i:])
			if !ok || !isFloat && n > 18 { // -Infinity, or maybe too many digits
				return 0, false
			}
			i += n
		}
		// A value ended at i: close containers until one goes on.
		for {
			if depth == 0 {
				return i, true
			}
			i = skimSpace(data, i)
			if i >= len(data) {
				return 0, false
			}
			c := data[i]
			if c == ',' {
				i = skimSpace(data, i+1)
				if objects&1 == 1 {
					end, ok := skimKey(data, i)
					if !ok {
						return 0, false
					}
					i = end
				}
				break
			}
			if objects&1 == 1 && c == '}' || objects&1 == 0 && c == ']' {
				i++
				depth--
				objects >>= 1
				continue
			}
			return 0, false
		}
	}
}

// skimKey skims `"key" :` and the spaces after it.
func skimKey(data []byte, i int) (int, bool) {
	if i >= len(data) || data[i] != '"' {
		return 0, false
	}
	i, ok := skimString(data, i+1)
	if !ok {
		return 0, false
	}
	i = skimSpace(data, i)
	if i >= len(data) || data[i] != ':' {
		return 0, false
	}
	return skimSpace(data, i+1), true
}

// skimString skims the rest of a string whose opening quote is before
// data[i]: printable ASCII and escapes the decoder accepts.
func skimString(data []byte, i int) (int, bool) {
	for i < len(data) {
		c := data[i]
		switch {
		case plainString[c]:
			i++
		case c == '"':
			return i + 1, true
		case c == '\\' && i+1 < len(data):
			switch data[i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i += 2
			case 'u':
				if _, ok := hex4(data, i+2); !ok {
					return 0, false
				}
				i += 6
			default:
				return 0, false
			}
		default:
			return 0, false
		}
	}
	return 0, false
}

func skimSpace(data []byte, i int) int {
	for i < len(data) && (data[i] == ' ' || data[i] == '\t' || data[i] == '\n' || data[i] == '\r') {
		i++
	}
	return i
}

func hasPrefix(b []byte, s string) bool {
	return len(b) >= len(s) && string(b[:len(s)]) == s
}
