package cookies

import (
	"iter"
	"net/http"
	"strings"
	"unicode/utf8"
)

// Parse returns the cookies of a Cookie header the way Django's
// parse_cookie reads them, which is more lenient than RFC 6265, like
// browsers:
//
//   - the header is split at every ';', even inside quotes;
//   - a chunk is split at its first '='; a chunk without '=' is a value
//     whose name is "";
//   - name and value are stripped of white space (Python's str.strip);
//   - a chunk whose name and value are both empty is skipped;
//   - the value is unquoted (Unquote);
//   - a later cookie of the same name replaces an earlier one.
//
// No character is rejected: names may hold spaces, ',', '"', non-ASCII
// text. Parse never fails and never returns a name that contains ';'.
func Parse(header string) map[string]string {
	// The size hint is bounded: a hostile header may hold a million ';'.
	m := make(map[string]string, min(strings.Count(header, ";")+1, 32))
	for name, value := range chunks(header) {
		m[name] = value
	}
	return m
}

// A Pair is one cookie of a request.
type Pair struct {
	Name, Value string
}

// ParsePairs is Parse keeping the order of the header, as Django's
// request.COOKIES dict does: each name appears once, at the place of its
// first occurrence, with the value of its last.
func ParsePairs(header string) []Pair {
	var (
		pairs []Pair
		index map[string]int // position of each name in pairs
	)
	for name, value := range chunks(header) {
		if i, ok := index[name]; ok {
			pairs[i].Value = value
			continue
		}
		if index == nil {
			index = make(map[string]int)
		}
		index[name] = len(pairs)
		pairs = append(pairs, Pair{name, value})
	}
	return pairs
}

// chunks yields each cookie of header, in order, duplicates included.
func chunks(header string) iter.Seq2[string, string] {
	return func(yield func(string, string) bool) {
		for header != "" {
			name, value, ok := "", "", false
			name, value, header, ok = next(header)
			if ok && !yield(name, Unquote(value)) {
				return
			}
		}
	}
}

// next splits the first chunk off header. ok is false for a chunk to skip;
// value is still quoted.
func next(header string) (name, value, rest string, ok bool) {
	chunk, rest, _ := strings.Cut(header, ";")
	name, value, found := strings.Cut(chunk, "=")
	if !found {
		name, value = "", chunk
	}
	name, value = pyStrip(name), pyStrip(value)
	return name, value, rest, name != "" || value != ""
}

// RequestHeader returns the Cookie header of r as Django sees it. Several
// Cookie headers (HTTP/2 may split one) are joined with "; ", each first
// stripped of trailing ';' and ' ', as Django 6.0 and later do. The bytes
// are decoded as UTF-8, with each invalid sequence replaced by U+FFFD as
// Python's decode(errors="replace") does, so that raw UTF-8 text reads
// correctly and garbage never reaches the application as invalid UTF-8.
func RequestHeader(r *http.Request) string {
	vs := r.Header["Cookie"]
	var h string
	switch len(vs) {
	case 0:
		return ""
	case 1:
		h = vs[0]
	default:
		parts := make([]string, len(vs))
		for i, v := range vs {
			parts[i] = strings.TrimRight(v, "; ")
		}
		h = strings.Join(parts, "; ")
	}
	return decodeUTF8(h)
}

// FromRequest returns r's cookies as Django's request.COOKIES holds them:
// Parse of RequestHeader. The map is empty, not nil, when there are none.
func FromRequest(r *http.Request) map[string]string {
	return Parse(RequestHeader(r))
}

// Lookup returns the value of r's cookie name and whether there is one:
// FromRequest(r)[name], without building the map.
func Lookup(r *http.Request, name string) (value string, ok bool) {
	h := RequestHeader(r)
	for h != "" {
		n, v, found := "", "", false
		n, v, h, found = next(h)
		if found && n == name {
			value, ok = v, true // the last one wins
		}
	}
	if ok {
		value = Unquote(value)
	}
	return value, ok
}

// decodeUTF8 returns s with every invalid UTF-8 sequence replaced by
// U+FFFD. Like Python, and unlike strings.ToValidUTF8, it writes one
// U+FFFD per maximal subpart of an invalid sequence (Unicode §3.9): "\xe2\x82a"
// becomes "\ufffda" but "\xc0\xaf" becomes two.
func decodeUTF8(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if r != utf8.RuneError || n > 1 {
			b.WriteString(s[i : i+n])
			i += n
			continue
		}
		b.WriteRune(utf8.RuneError)
		i += invalidLen(s[i:])
	}
	return b.String()
}

// invalidLen returns the length of the maximal subpart at the start of s,
// which does not start with a valid UTF-8 sequence: a lead byte and the
// continuation bytes that could still have completed it.
func invalidLen(s string) int {
	lo, hi := byte(0x80), byte(0xbf)
	var need int
	switch c := s[0]; {
	case 0xc2 <= c && c <= 0xdf:
		need = 1
	case c == 0xe0:
		need, lo = 2, 0xa0
	case 0xe1 <= c && c <= 0xec, c == 0xee, c == 0xef:
		need = 2
	case c == 0xed:
		need, hi = 2, 0x9f
	case c == 0xf0:
		need, lo = 3, 0x90
	case 0xf1 <= c && c <= 0xf3:
		need = 3
	case c == 0xf4:
		need, hi = 3, 0x8f
	default:
		return 1
	}
	n := 1
	for ; n <= need && n < len(s); n++ {
		if s[n] < lo || s[n] > hi {
			break
		}
		lo, hi = 0x80, 0xbf
	}
	return n
}
