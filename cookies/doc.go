// Package cookies does what Django's HttpResponse.set_cookie,
// delete_cookie, set_signed_cookie, HttpRequest.COOKIES and
// get_signed_cookie do, on net/http, byte for byte, so that a Go service and
// a Django application can share cookies.
//
// Writing: Format renders the Set-Cookie header value Django renders; Set
// and Delete add it to an http.ResponseWriter, one header per cookie name.
// Options holds set_cookie's keyword arguments; its zero value is Django's
// defaults.
//
// Reading: Parse is Django's parse_cookie, RequestHeader and FromRequest
// give request.COOKIES, and Lookup reads one cookie. Quote and Unquote are
// the value encoding of Python's http.cookies underneath.
//
// Signed cookies: Signer signs and verifies values with Django's cookie
// signer (a TimestampSigner keyed with "django.http.cookies" + SECRET_KEY),
// with either the legacy or the v2 salt scheme; see Signer for which Django
// releases each one interoperates with.
//
// # Differences from Django
//
// The headers are Django's, byte for byte, except for these deliberate
// differences:
//
//   - No leading space. Django 3.2 to 5.2 under WSGI send " name=value; …"
//     (Morsel.output(header="")); HTTP ignores that space, Django's ASGI
//     handler and Django 6.1 drop it, and so does this package.
//   - Expires wins. Given both Options.Expires and Options.MaxAge, Format
//     uses Expires, as Django 3.2 does; Django 4.1 and later raise
//     ValueError("'expires' and 'max_age' can't be used together.").
//   - Max-Age is never negative. Django writes max_age=-5 as Max-Age=-5;
//     Options.MaxAge uses zero for "no Max-Age", so any negative value
//     means Max-Age=0, which browsers treat the same way (delete now).
//   - One header per name, replaced whole. Django keeps one Morsel per
//     name and a second set_cookie or delete_cookie updates it, keeping
//     attributes the second call does not set (HttpOnly survives a
//     delete_cookie). Set and Delete replace the earlier header, at its
//     place, with the one the second call describes, and also replace a
//     same-name header written by http.SetCookie.
//   - Oversized cookies are refused. A cookie whose name=value, as sent, is
//     over MaxSize (4096) bytes makes Format, Set and Signer.Set fail with
//     ErrTooLarge; Django sends it and the browser silently drops it.
//   - Attribute values are checked. Django writes path, domain and a string
//     expires verbatim, so "/; Domain=evil" injects an attribute; Format
//     refuses ';' and control characters there (ErrInvalidAttribute).
//   - Values must be UTF-8. A Python str cannot hold invalid UTF-8; Format
//     refuses such a value (ErrInvalidValue) rather than guess.
//   - Non-Latin-1 text is sent. Python's quoting passes code points from
//     U+0100 up through unescaped (c="清風"); Django's WSGI and ASGI servers
//     then fail to encode the header, while net/http sends the UTF-8 bytes,
//     which browsers store and Django decodes back (request.COOKIES decodes
//     UTF-8).
//   - Partitioned. Options.Partitioned has no Django counterpart; the
//     attribute is placed where Python 3.14's http.cookies puts it.
//   - Several Cookie headers are joined with "; " (the rule of Django 6.0
//     and later); Django 3.2 to 5.2 under ASGI join them with ",", which
//     merges two cookies into one.
//
// Like http.SetCookie, Set and Delete must be called before the response's
// header is written.
package cookies
