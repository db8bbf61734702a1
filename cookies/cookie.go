package cookies

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// MaxSize is the largest cookie, counted as the bytes of name=value as they
// are sent, that Format and Set accept. Browsers keep at most 4096 bytes of
// name and value (RFC 6265 §6.1 asks them to keep at least that much) and
// silently drop a larger cookie, which Django would send all the same.
const MaxSize = 4096

// Errors returned by Format, Set and Delete. They are wrapped with the
// details; match them with errors.Is.
var (
	// ErrTooLarge: name=value is over MaxSize bytes. The message names the
	// cookie and its size.
	ErrTooLarge = errors.New("cookies: cookie too large")
	// ErrInvalidName: the name is empty, uses a character outside Python's
	// legal set, or is an attribute name such as "expires". The message
	// includes Python's own text ("Illegal key 'a b'", "Attempt to set a
	// reserved key 'path'").
	ErrInvalidName = errors.New("cookies: invalid cookie name")
	// ErrInvalidValue: the value is not valid UTF-8. Django's cookies hold
	// text; encode binary data (base64, for instance) first.
	ErrInvalidValue = errors.New("cookies: invalid cookie value")
	// ErrInvalidAttribute: SameSite is not Lax, Strict or None (the message
	// includes Django's text), or Path, Domain or ExpiresRaw contains a
	// semicolon or a control character.
	ErrInvalidAttribute = errors.New("cookies: invalid cookie attribute")
)

// Options holds the attributes of a cookie: the keyword arguments of
// Django's HttpResponse.set_cookie. The zero value gives Django's defaults:
// a session cookie (no Max-Age, no expires) for Path=/, with no Domain,
// Secure, HttpOnly or SameSite attribute.
type Options struct {
	// MaxAge is how long the browser keeps the cookie (Django's max_age).
	// Zero means no Max-Age attribute: the cookie lasts until the browser
	// closes. A negative value means Max-Age=0, which tells the browser to
	// drop the cookie now (Django's max_age=0). Max-Age is truncated to
	// whole seconds, while the expires attribute written beside it is
	// computed from the untruncated value, as Django does.
	MaxAge time.Duration

	// Expires is when the cookie expires (Django's expires given a
	// datetime). As in Django it is turned into MaxAge: Max-Age is the
	// whole seconds from now to Expires plus one, at least 0, and expires
	// is recomputed from it. If MaxAge is also set, Expires wins, as in
	// Django 3.2; Django 4.1 and later raise ValueError instead.
	Expires time.Time

	// ExpiresRaw is written verbatim as the expires attribute (Django's
	// expires given a string), for instance "Wed, 21 Oct 2015 07:28:00 GMT".
	// It is ignored when Expires is set, and is kept as is when MaxAge is
	// set too. It must not contain ';' or control characters.
	ExpiresRaw string

	// Path is the Path attribute; "" means "/" (Django's default). It must
	// not contain ';' or control characters.
	Path string

	// NoPath leaves the Path attribute out (Django's path=None), so the
	// browser uses the directory of the request's URL.
	NoPath bool

	// Domain is the Domain attribute; "" leaves it out, so the cookie goes
	// back to the host that set it only. It must not contain ';' or control
	// characters.
	Domain string

	// Secure sends the cookie over HTTPS only.
	Secure bool

	// HTTPOnly hides the cookie from JavaScript.
	HTTPOnly bool

	// Partitioned asks for a cookie partitioned by top-level site (CHIPS).
	// Django has no such argument; the attribute is placed where Python
	// 3.14's http.cookies puts it (after Max-Age, before Path).
	Partitioned bool

	// SameSite is the SameSite attribute: "" for none, or "Lax", "Strict" or
	// "None" in any case, written in the case given (Django keeps
	// samesite='lax' as SameSite=lax). Browsers ignore SameSite=None
	// without Secure.
	SameSite string
}

// DeleteOptions identifies the cookie to delete: the arguments of Django's
// HttpResponse.delete_cookie. A browser deletes a cookie only if Path and
// Domain match the ones it was set with.
type DeleteOptions struct {
	// Path is the cookie's path; "" means "/".
	Path string
	// Domain is the cookie's domain; "" means none.
	Domain string
	// SameSite is written as in Options. "None" (any case) also adds
	// Secure, as Django does, so that browsers accept the deletion.
	SameSite string
}

// expiredDate is the expires attribute Django's delete_cookie writes.
const expiredDate = "Thu, 01 Jan 1970 00:00:00 GMT"

// Format returns the Set-Cookie header value that Django's set_cookie
// renders for name, value and o at time now (Morsel.OutputString):
// name=Quote(value) followed by the attributes that are set, sorted by their
// lowercase names and joined by "; " — Domain, expires (in lower case, an
// HTTP date), HttpOnly, Max-Age, Partitioned, Path, SameSite, Secure.
//
//	c=v; Domain=.example.com; expires=Tue, 14 Nov 2023 22:14:20 GMT; HttpOnly; Max-Age=60; Path=/p/; SameSite=Strict; Secure
//
// now matters only when o.MaxAge or o.Expires is set. Format fails with an
// error wrapping ErrInvalidName, ErrInvalidValue, ErrInvalidAttribute or
// ErrTooLarge; the first two carry Python's exception text.
func Format(name, value string, o Options, now time.Time) (string, error) {
	if err := checkName(name); err != nil {
		return "", err
	}
	// Legal characters are ASCII: most values need neither the UTF-8
	// check nor quoting, and are scanned once.
	legal := isLegal(value)
	if !legal && !utf8.ValidString(value) {
		return "", fmt.Errorf("%w: the value of cookie %q is not valid UTF-8; encode binary data (e.g. base64) before storing it in a cookie", ErrInvalidValue, name)
	}
	if o.SameSite != "" && !validSameSite(o.SameSite) {
		return "", fmt.Errorf(`%w: samesite must be "lax", "none", or "strict". (got %q for cookie %q)`, ErrInvalidAttribute, o.SameSite, name)
	}
	path := o.Path
	if path == "" {
		path = "/"
	}
	if o.NoPath {
		path = ""
	}
	for _, a := range [...]struct{ attr, v string }{{"Path", path}, {"Domain", o.Domain}, {"ExpiresRaw", o.ExpiresRaw}} {
		if i := strings.IndexFunc(a.v, isCTLOrSemicolon); i >= 0 {
			return "", fmt.Errorf("%w: %s %q of cookie %q contains %q; a cookie attribute cannot hold ';' or control characters", ErrInvalidAttribute, a.attr, a.v, name, a.v[i])
		}
	}

	coded := value
	if !legal {
		coded = Quote(value)
	}
	if n := len(name) + 1 + len(coded); n > MaxSize {
		return "", fmt.Errorf("%w: cookie %q is %d bytes as sent (name=value), over the %d bytes browsers keep; store less in it, or keep the data on the server", ErrTooLarge, name, n, MaxSize)
	}

	// Expiry, following set_cookie: a datetime expires becomes max_age,
	// and max_age writes expires unless a string expires was given.
	var (
		hasMaxAge bool
		maxAge    int64
		expiresAt time.Time // written as an HTTP date unless zero
	)
	switch {
	case !o.Expires.IsZero():
		// max(0, floor(expires - now + 1s)), counted in Unix seconds so
		// that far dates do not overflow a Duration.
		secs := o.Expires.Unix() - now.Unix()
		if o.Expires.Nanosecond() < now.Nanosecond() {
			secs--
		}
		secs++
		hasMaxAge, maxAge = true, max(secs, 0)
		expiresAt = time.Unix(now.Unix()+maxAge, 0)
	case o.MaxAge != 0:
		d := max(o.MaxAge, 0)
		hasMaxAge, maxAge = true, int64(d/time.Second)
		if o.ExpiresRaw == "" {
			expiresAt = now.Add(d)
		}
	}

	var b strings.Builder
	b.Grow(len(name) + 1 + len(coded) + 128)
	b.WriteString(name)
	b.WriteByte('=')
	b.WriteString(coded)
	if o.Domain != "" {
		b.WriteString("; Domain=")
		b.WriteString(o.Domain)
	}
	switch {
	case !expiresAt.IsZero():
		b.WriteString("; expires=")
		var scratch [32]byte
		b.Write(appendHTTPDate(scratch[:0], expiresAt))
	case o.ExpiresRaw != "":
		b.WriteString("; expires=")
		b.WriteString(o.ExpiresRaw)
	}
	if o.HTTPOnly {
		b.WriteString("; HttpOnly")
	}
	if hasMaxAge {
		b.WriteString("; Max-Age=")
		var scratch [20]byte
		b.Write(strconv.AppendInt(scratch[:0], maxAge, 10))
	}
	if o.Partitioned {
		b.WriteString("; Partitioned")
	}
	if path != "" {
		b.WriteString("; Path=")
		b.WriteString(path)
	}
	if o.SameSite != "" {
		b.WriteString("; SameSite=")
		b.WriteString(o.SameSite)
	}
	if o.Secure {
		b.WriteString("; Secure")
	}
	return b.String(), nil
}

// Set adds the Set-Cookie header that Format renders at the current time to
// w. Like Django, which keeps one cookie per name in a response, a cookie of
// the same name set earlier in this response (by Set, Delete or
// http.SetCookie) is replaced in place rather than sent twice. Call Set
// before the response's header is written. An invalid or oversized cookie is
// not sent; the error says why (see Format).
func Set(w http.ResponseWriter, name, value string, o Options) error {
	return set(w.Header(), name, value, o, time.Now())
}

// SetAt is Set at the time now rather than the current time: expires is
// computed from now (and Max-Age from now when o.Expires is set). It is
// for callers with a clock of their own, such as a session Manager's.
func SetAt(w http.ResponseWriter, name, value string, o Options, now time.Time) error {
	return set(w.Header(), name, value, o, now)
}

func set(h http.Header, name, value string, o Options, now time.Time) error {
	line, err := Format(name, value, o, now)
	if err != nil {
		return err
	}
	put(h, name, line)
	return nil
}

// Delete tells the browser to drop the cookie name, with the header Django's
// delete_cookie writes: an empty value, expires in 1970 and Max-Age=0.
//
//	name=""; expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; Path=/
//
// Secure is added for names starting with __Secure- or __Host- and for
// SameSite=None, as Django does, since browsers ignore the header otherwise.
// A cookie of the same name set earlier in this response is replaced.
func Delete(w http.ResponseWriter, name string, o DeleteOptions) error {
	return set(w.Header(), name, "", deleteOptions(name, o), time.Time{})
}

// deleteOptions is delete_cookie's call to set_cookie. It does not depend
// on the clock: the expires string wins over the one max_age would compute.
func deleteOptions(name string, o DeleteOptions) Options {
	return Options{
		MaxAge:     -1,
		ExpiresRaw: expiredDate,
		Path:       o.Path,
		Domain:     o.Domain,
		SameSite:   o.SameSite,
		Secure: strings.HasPrefix(name, "__Secure-") || strings.HasPrefix(name, "__Host-") ||
			lowerEquals(o.SameSite, "none"),
	}
}

// put stores line as the only Set-Cookie header for name, at the place of
// the first one already there.
func put(h http.Header, name, line string) {
	lines := h["Set-Cookie"]
	at := -1
	keep := lines[:0]
	for _, l := range lines {
		if setCookieName(l) != name {
			keep = append(keep, l)
			continue
		}
		if at < 0 {
			at = len(keep)
			keep = append(keep, line)
		}
	}
	if at < 0 {
		keep = append(keep, line)
	}
	h["Set-Cookie"] = keep
}

// setCookieName returns the cookie name of a Set-Cookie header value.
func setCookieName(line string) string {
	name, _, _ := strings.Cut(line, "=")
	return strings.TrimSpace(name)
}

// isReserved reports whether name is one of Python's Morsel attributes,
// which cannot be cookie names. Python compares name.lower(); only ASCII
// text can lower to an attribute name, so ASCII lowering is exact here.
func isReserved(name string) bool {
	for _, a := range [...]string{"expires", "path", "comment", "domain", "max-age", "secure", "httponly", "version", "samesite"} {
		if lowerEquals(name, a) {
			return true
		}
	}
	return false
}

// checkName applies Python's Morsel.set checks, in its order, with its
// messages.
func checkName(name string) error {
	if isReserved(name) {
		return fmt.Errorf("%w: Attempt to set a reserved key %s", ErrInvalidName, pyRepr(name))
	}
	if !isLegal(name) {
		return fmt.Errorf("%w: Illegal key %s (a cookie name is one or more of the letters, digits and !#$%%&'*+-.^_`|~:)", ErrInvalidName, pyRepr(name))
	}
	return nil
}

// validSameSite reports whether s lowercases to lax, none or strict.
// Python's str.lower is not Unicode case folding ("ſtrict" stays invalid),
// so ASCII lowering is exact.
func validSameSite(s string) bool {
	return lowerEquals(s, "lax") || lowerEquals(s, "none") || lowerEquals(s, "strict")
}

// lowerEquals reports whether s with its ASCII letters lowered equals
// lower, which is lower-case ASCII.
func lowerEquals(s, lower string) bool {
	if len(s) != len(lower) {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != lower[i] {
			return false
		}
	}
	return true
}

func isCTLOrSemicolon(r rune) bool {
	return r < 0x20 || r == 0x7f || r == ';'
}

// HTTPDate formats t as Django's django.utils.http.http_date does for an
// expires attribute: RFC 1123 in GMT ("Tue, 14 Nov 2023 22:13:20 GMT"),
// floored to the second. Django's SessionMiddleware passes
// expires=http_date(now + max_age) together with max_age; Options{MaxAge:
// d, ExpiresRaw: HTTPDate(now.Add(d))} does the same with a clock of one's
// own.
func HTTPDate(t time.Time) string {
	var buf [32]byte
	return string(appendHTTPDate(buf[:0], t))
}

// appendHTTPDate writes the date field by field: every response that saves
// a session formats one, and time.Time.AppendFormat, which parses its
// layout each time, was a tenth of a new cookie session's cost.
func appendHTTPDate(b []byte, t time.Time) []byte {
	t = t.UTC()
	year, month, day := t.Date()
	if year < 0 || year > 9999 {
		return t.AppendFormat(b, http.TimeFormat) // as many digits as it takes
	}
	hour, minute, sec := t.Clock()
	const days = "SunMonTueWedThuFriSat"
	const months = "JanFebMarAprMayJunJulAugSepOctNovDec"
	wd := int(t.Weekday()) * 3
	mo := (int(month) - 1) * 3
	b = append(b, days[wd:wd+3]...)
	b = append(b, ", "...)
	b = append2(b, day)
	b = append(b, ' ')
	b = append(b, months[mo:mo+3]...)
	b = append(b, ' ')
	b = append2(b, year/100)
	b = append2(b, year%100)
	b = append(b, ' ')
	b = append2(b, hour)
	b = append(b, ':')
	b = append2(b, minute)
	b = append(b, ':')
	b = append2(b, sec)
	return append(b, " GMT"...)
}

// append2 appends n (0 to 99) as two digits.
func append2(b []byte, n int) []byte {
	return append(b, byte('0'+n/10), byte('0'+n%10))
}
