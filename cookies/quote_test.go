package cookies

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// The expected values in this file were produced by Python 3.11's
// http.cookies (_quote, _unquote), repr() and str.strip().

func TestQuote(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"", "\"\""},
		{"v", "v"},
		{"a b", "\"a b\""},
		{"An,awkward;value", "\"An\\054awkward\\073value\""},
		{"say \"hi\" \\o/", "\"say \\\"hi\\\" \\\\o/\""},
		{"\u6e05\u98a8", "\"\u6e05\u98a8\""},
		{"\u00e9t\u00e9", "\"\\351t\\351\""},
		{"\u0000\u001f\u007f\u0080\u00ff", "\"\\000\\037\\177\\200\\377\""},
		{"a=b/c@d?e", "\"a=b/c@d?e\""},
		{"()<>[]{}?@/ =", "\"()<>[]{}?@/ =\""},
		{"tab\there", "\"tab\\011here\""},
		{"new\nline", "\"new\\012line\""},
		{"\u0100\U0001f600", "\"\u0100\U0001f600\""},
		{"~!#$%&'*+-.^_`|:", "~!#$%&'*+-.^_`|:"},
		{"semi;colon,comma", "\"semi\\073colon\\054comma\""},
		{"\"", "\"\\\"\""},
		{"\\", "\"\\\\\""},
	} {
		if got := Quote(tc.in); got != tc.want {
			t.Errorf("Quote(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestUnquote(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"\"abc\"", "abc"},
		{"\"a\\054b\"", "a,b"},
		{"\"\\\"q\\\"\"", "\"q\""},
		{"\"\\\\012\"", "\\012"},
		{"\"\\400\"", "400"},
		{"\"\\377\"", "\u00ff"},
		{"\"\\8\"", "8"},
		{"\"x\\\ny\"", "x\\\ny"},
		{"\"end\\\"", "end\\"},
		{"\"", "\""},
		{"\"\"", ""},
		{"\"unterminated", "\"unterminated"},
		{"plain", "plain"},
		{"\"\\\\\"", "\\"},
		{"\"\\\u00e9\"", "\u00e9"},
		{"\"\\\u6e05x\"", "\u6e05x"},
		{"\"\\0123\"", "\n3"},
		{"\"a\\\"b\\073c\"", "a\"b;c"},
		{"\"\\012\\\"", "\n\\"},
	} {
		if got := Unquote(tc.in); got != tc.want {
			t.Errorf("Unquote(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// TestQuoteRoundTrip: whatever valid text is quoted reads back unchanged
// (the property Django's test_decode relies on), and the quoted form holds
// no byte that would end or split a cookie.
func TestQuoteRoundTrip(t *testing.T) {
	var all strings.Builder
	for r := rune(0); r < 0x300; r++ {
		all.WriteRune(r)
	}
	for _, s := range []string{"", "x", all.String(), "An,awkward;value", "\\\"\\", "a\\012b", "\U0010ffff\u2028"} {
		q := Quote(s)
		if got := Unquote(q); got != s {
			t.Errorf("Unquote(Quote(%q)) = %q", s, got)
		}
		if strings.ContainsAny(q, ";,\r\n\x00\x7f") {
			t.Errorf("Quote(%q) = %q holds a separator or control byte", s, q)
		}
	}
}

func TestQuoteInvalidUTF8(t *testing.T) {
	// Each invalid byte is escaped like the Latin-1 character of the same
	// number, so the output stays ASCII-safe.
	if got, want := Quote("a\xffb\xc3"), `"a\377b\303"`; got != want {
		t.Errorf("Quote = %q, want %q", got, want)
	}
}

func TestByteClassMatchesPython(t *testing.T) {
	for c := 0; c < 256; c++ {
		want := uint8(0)
		switch {
		case strings.IndexByte(legalChars, byte(c)) >= 0:
			want = 1
		case strings.IndexByte(unescapedExtra, byte(c)) >= 0:
			want = 2
		}
		if got := byteClass(byte(c)); got != want {
			t.Errorf("byteClass(%q) = %d, want %d", rune(c), got, want)
		}
	}
}

func TestPyRepr(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"a b", "'a b'"},
		{"a'b", "\"a'b\""},
		{"a\"b", "'a\"b'"},
		{"a'\"b", "'a\\'\"b'"},
		{"\u0000\u00e9\u00a0\u6e05\u2028\U0001f600\t\n\r\\", "'\\x00\u00e9\\xa0\u6e05\\u2028\U0001f600\\t\\n\\r\\\\'"},
		{"\u007f\u00ad\U000e0001", "'\\x7f\\xad\\U000e0001'"},
		{"", "''"},
	} {
		if got := pyRepr(tc.in); got != tc.want {
			t.Errorf("pyRepr(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestPyStrip(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"  a  ", "a"},
		{"\t\n\u000b\u000c\r\u001c\u001d\u001e\u001fx\u001f ", "x"},
		{" \u0085\u00a0\u1680\u2000\u200a\u2028\u2029\u202f\u205f\u3000y\u3000", "y"},
		{"\u200bz\u200b", "\u200bz\u200b"},
		{"\u180ew", "\u180ew"},
		{"", ""},
		{" \xff ", "\xff"},
	} {
		if got := pyStrip(tc.in); got != tc.want {
			t.Errorf("pyStrip(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestDecodeUTF8(t *testing.T) {
	// Python: bytes.decode("utf-8", "replace").
	for _, tc := range []struct{ in, want string }{
		{"caf\xc3\xa9", "café"},
		{"\xe2\x82a", "\ufffda"},
		{"\xe2\x82", "\ufffd"},
		{"\xf0\x9f\x98", "\ufffd"},
		{"\xed\xa0\x80", "\ufffd\ufffd\ufffd"},
		{"\xc0\xaf", "\ufffd\ufffd"},
		{"\xf4\x90\x80\x80", "\ufffd\ufffd\ufffd\ufffd"},
		{"\xe0\x80\xaf", "\ufffd\ufffd\ufffd"},
		{"\xf0\x80\x80", "\ufffd\ufffd\ufffd"},
		{"\x80\x80", "\ufffd\ufffd"},
		{"\xfe\xff", "\ufffd\ufffd"},
		{"W\x03c(h]\x8e", "W\x03c(h]\ufffd"},
		{"\ufffd", "\ufffd"},
	} {
		got := decodeUTF8(tc.in)
		if got != tc.want {
			t.Errorf("decodeUTF8(%q) = %q, want %q", tc.in, got, tc.want)
		}
		if !utf8.ValidString(got) {
			t.Errorf("decodeUTF8(%q) is not valid UTF-8", tc.in)
		}
	}
}

// legalTable must agree with byteClass, which the rest of the package uses.
func TestLegalTable(t *testing.T) {
	for c := range 256 {
		if got, want := legalTable[c] == 1, byteClass(byte(c)) == 1; got != want {
			t.Errorf("byte %#x: table %v, byteClass %v", c, got, want)
		}
	}
}
