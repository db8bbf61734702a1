// Package sessionkit is Django's session framework for net/http: a
// per-request Session with Django's dict API and semantics, a Manager
// whose fields are Django's SESSION_* settings (zero values = Django's
// defaults), and a Middleware that does what Django's SessionMiddleware
// does — in the same wire formats, so a Go service and a Django app with
// the same SECRET_KEY can share sessions.
//
// Sessions live in a Store. The engines are in store/: memstore (in
// process), sqlstore (Django's db engine: SQLite, PostgreSQL, MariaDB),
// filestore (file), cachestore (cache: Redis, Memcached), cacheddb
// (cached_db) and cookiestore (signed_cookies). Any type that implements
// Store works; storetest.Run checks that it behaves.
//
// The package imports no module outside this one: besides the standard
// library, only this module's cookies, signing and pyjson packages.
package sessionkit
