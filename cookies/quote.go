package cookies

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Character classes of Python's http.cookies, which Django uses to render
// and read cookies.
const (
	// legalChars may appear in a cookie name, and in a value that is sent
	// without quotes (Python's _LegalChars).
	legalChars = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$%&'*+-.^_`|~:"
	// unescapedExtra may appear inside a quoted value without an escape
	// (Python's _UnescapedChars minus _LegalChars).
	unescapedExtra = " ()/<=>?@[]{}"
)

// byteClass tells whether c is legal (1), passes through a quoted value
// unescaped (2), or neither (0).
func byteClass(c byte) uint8 {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return 1
	}
	switch c {
	case '!', '#', '$', '%', '&', '\'', '*', '+', '-', '.', '^', '_', '`', '|', '~', ':':
		return 1
	case ' ', '(', ')', '/', '<', '=', '>', '?', '@', '[', ']', '{', '}':
		return 2
	}
	return 0
}

// isLegal reports whether s is non-empty and made only of Python's legal
// cookie characters: the rule for a cookie name, and for a value sent as is.
func isLegal(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if legalTable[s[i]] == 0 {
			return false
		}
	}
	return true
}

// legalTable has a 1 at the index of every byte of legalChars. A table
// lookup, because the values checked are often random (signed and
// encrypted tokens), on which comparisons mispredict.
const legalTable = "\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00" +
	"\x00\x01\x00\x01\x01\x01\x01\x01\x00\x00\x01\x01\x00\x01\x01\x00\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x00\x00\x00\x00\x00" +
	"\x00\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x00\x00\x00\x01\x01" +
	"\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x00\x01\x00\x01\x00" +
	"\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00" +
	"\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00" +
	"\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00" +
	"\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"

// Quote returns value as Django writes it in a Set-Cookie header (Python's
// http.cookies._quote). A non-empty value made only of letters, digits and
// !#$%&'*+-.^_`|~: is returned unchanged. Anything else is wrapped in double
// quotes, with " and \ escaped by a backslash, the characters ()/<=>?@[]{}
// and space kept, every other code point below 256 written as a three-digit
// octal escape (",": \054, ";": \073, "é": \351) and code points from 256 up
// kept as they are. The empty value becomes "".
//
// Bytes that are not valid UTF-8 are escaped as the code point of the same
// number, as if the string were Latin-1; Format refuses such values.
func Quote(value string) string {
	if isLegal(value) {
		return value
	}
	var b strings.Builder
	b.Grow(len(value) + 2 + len(value)/4)
	b.WriteByte('"')
	for i := 0; i < len(value); {
		c := value[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				b.WriteByte('\\')
				b.WriteByte(c)
			case byteClass(c) != 0:
				b.WriteByte(c)
			default:
				writeOctal(&b, rune(c))
			}
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(value[i:])
		switch {
		case r == utf8.RuneError && n == 1:
			writeOctal(&b, rune(c))
		case r < 256:
			writeOctal(&b, r)
		default:
			b.WriteString(value[i : i+n])
		}
		i += n
	}
	b.WriteByte('"')
	return b.String()
}

func writeOctal(b *strings.Builder, r rune) {
	b.WriteByte('\\')
	b.WriteByte(byte('0' + r>>6&7))
	b.WriteByte(byte('0' + r>>3&7))
	b.WriteByte(byte('0' + r&7))
}

// Unquote reverses Quote the way Django reads a cookie value (Python's
// http.cookies._unquote). Only a value of at least two bytes that starts and
// ends with a double quote is changed: the quotes are removed, each \ooo
// (first digit 0-3) becomes the code point it names and each other
// backslash-escaped character (except a line feed) stands for itself.
// Anything else, such as "unterminated or a lone ", is returned unchanged.
func Unquote(value string) string {
	if len(value) < 2 || value[0] != '"' || value[len(value)-1] != '"' {
		return value
	}
	s := value[1 : len(value)-1]
	i := strings.IndexByte(s, '\\')
	if i < 0 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for i >= 0 {
		b.WriteString(s[:i])
		rest := s[i+1:]
		switch {
		case len(rest) >= 3 && '0' <= rest[0] && rest[0] <= '3' && isOctal(rest[1]) && isOctal(rest[2]):
			b.WriteRune(rune(rest[0]-'0')<<6 | rune(rest[1]-'0')<<3 | rune(rest[2]-'0'))
			s = rest[3:]
		case len(rest) > 0 && rest[0] != '\n':
			// Python's pattern is `\\.`, and "." is one code point
			// other than a line feed.
			_, n := utf8.DecodeRuneInString(rest)
			b.WriteString(rest[:n])
			s = rest[n:]
		default:
			// A backslash at the end or before a line feed is literal.
			b.WriteByte('\\')
			s = rest
		}
		i = strings.IndexByte(s, '\\')
	}
	b.WriteString(s)
	return b.String()
}

func isOctal(c byte) bool { return '0' <= c && c <= '7' }

// isPySpace reports whether Python's str.isspace is true for r, which is
// what str.strip removes: Unicode White_Space plus U+001C..U+001F.
func isPySpace(r rune) bool {
	return unicode.IsSpace(r) || (0x1c <= r && r <= 0x1f)
}

// pyStrip is Python's str.strip() with no arguments.
func pyStrip(s string) string {
	// Fast path: most cookie chunks start with one ASCII space at most.
	start := 0
	for start < len(s) {
		c := s[start]
		if c < utf8.RuneSelf {
			if c == ' ' || (0x09 <= c && c <= 0x0d) || (0x1c <= c && c <= 0x1f) {
				start++
				continue
			}
			break
		}
		r, n := utf8.DecodeRuneInString(s[start:])
		if !isPySpace(r) {
			break
		}
		start += n
	}
	end := len(s)
	for end > start {
		c := s[end-1]
		if c < utf8.RuneSelf {
			if c == ' ' || (0x09 <= c && c <= 0x0d) || (0x1c <= c && c <= 0x1f) {
				end--
				continue
			}
			break
		}
		r, n := utf8.DecodeLastRuneInString(s[start:end])
		if !isPySpace(r) {
			break
		}
		end -= n
	}
	return s[start:end]
}

// pyRepr renders s the way Python's repr() renders a str, for error
// messages that must read exactly like Django's.
func pyRepr(s string) string {
	quote := byte('\'')
	if strings.IndexByte(s, '\'') >= 0 && strings.IndexByte(s, '"') < 0 {
		quote = '"'
	}
	const hex = "0123456789abcdef"
	var b strings.Builder
	b.WriteByte(quote)
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n == 1 {
			// Not text; show the byte as Python shows a bytes value.
			r = rune(s[i])
			b.WriteString(`\x`)
			b.WriteByte(hex[r>>4])
			b.WriteByte(hex[r&15])
			i++
			continue
		}
		switch {
		case r == rune(quote) || r == '\\':
			b.WriteByte('\\')
			b.WriteByte(byte(r))
		case r == '\t':
			b.WriteString(`\t`)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r >= 0x20 && r < 0x7f:
			b.WriteByte(byte(r))
		case r >= 0x7f && unicode.IsPrint(r):
			// Go's IsPrint matches Python's isprintable: letters, marks,
			// numbers, punctuation, symbols and the ASCII space.
			b.WriteString(s[i : i+n])
		case r < 0x100:
			b.WriteString(`\x`)
			b.WriteByte(hex[r>>4])
			b.WriteByte(hex[r&15])
		case r < 0x10000:
			b.WriteString(`\u`)
			for sh := 12; sh >= 0; sh -= 4 {
				b.WriteByte(hex[r>>sh&15])
			}
		default:
			b.WriteString(`\U`)
			for sh := 28; sh >= 0; sh -= 4 {
				b.WriteByte(hex[r>>sh&15])
			}
		}
		i += n
	}
	b.WriteByte(quote)
	return b.String()
}
