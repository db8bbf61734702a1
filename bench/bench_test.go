package bench

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
)

// A lib is one session library set up over one store.
type lib struct {
	name string
	// open prepares the library for one benchmark and returns its
	// middleware (nil for libraries without one) and its session access.
	// File-backed stores keep their files in dir (see scenario).
	open func(b *testing.B, dir string) (func(http.Handler) http.Handler, access)
}

// access is what the scenarios do with a session, per library.
type access interface {
	getInt(w http.ResponseWriter, r *http.Request, key string) int
	setInt(w http.ResponseWriter, r *http.Request, key string, v int)
	// seed stores the ~1 KB payload; addItem replaces the cart's last item.
	seed(w http.ResponseWriter, r *http.Request)
	addItem(w http.ResponseWriter, r *http.Request, n int)
	setThree(w http.ResponseWriter, r *http.Request)
}

// cartItem is one line of the Payload1KB cart.
type cartItem struct {
	SKU   string
	Name  string
	Qty   int
	Price float64
}

func payload() (ids []int, cart []cartItem, name, email string) {
	for i := range 20 {
		ids = append(ids, 100000+i*37)
	}
	for i := range 5 {
		cart = append(cart, cartItem{SKU: fmt.Sprintf("SKU-%06d", i), Name: fmt.Sprintf("Product number %d with a descriptive name", i), Qty: i + 1, Price: 19.99 + float64(i)})
	}
	return ids, cart, "Alice Example", "alice@example.com"
}

// runner drives requests through a handler, carrying the session cookie.
// It reuses one request and one recorder so that the harness itself costs
// little next to what is measured.
type runner struct {
	h      http.Handler
	cookie string
	base   *http.Request
	w      recorder
}

// recorder is a minimal http.ResponseWriter.
type recorder struct {
	h    http.Header
	code int
}

func (r *recorder) Header() http.Header { return r.h }
func (r *recorder) WriteHeader(code int) {
	if r.code == 0 {
		r.code = code
	}
}
func (r *recorder) Write(b []byte) (int, error) {
	r.WriteHeader(200)
	return len(b), nil
}

func (rn *runner) do(b *testing.B, path string) {
	if rn.base == nil || rn.base.URL.Path != path {
		rn.base = httptest.NewRequest("GET", path, nil)
		rn.w.h = make(http.Header)
	}
	if rn.cookie != "" {
		rn.base.Header["Cookie"] = []string{rn.cookie}
	} else {
		delete(rn.base.Header, "Cookie")
	}
	// A fresh copy per request: gorilla/sessions stores its registry in the
	// request it is given.
	req := new(http.Request)
	*req = *rn.base
	clear(rn.w.h)
	rn.w.code = 0
	rn.h.ServeHTTP(&rn.w, req)
	if rn.w.code != 200 && rn.w.code != 0 {
		b.Fatalf("%s: status %d", path, rn.w.code)
	}
	for _, sc := range rn.w.h["Set-Cookie"] {
		nv, _, _ := strings.Cut(sc, ";")
		if name, v, ok := strings.Cut(nv, "="); ok && v != "" && v != `""` {
			rn.cookie = name + "=" + v
		}
	}
}

func handler(a access) http.Handler {
	n := 0
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/seed":
			a.setInt(w, r, "counter", 1)
		case "/seed1kb":
			a.seed(w, r)
		case "/seed1kb+counter":
			a.seed(w, r)
			a.setInt(w, r, "counter", 1)
		case "/read":
			if a.getInt(w, r, "counter") < 1 {
				http.Error(w, "counter lost", 500)
				return
			}
		case "/rmw":
			a.setInt(w, r, "counter", a.getInt(w, r, "counter")+1)
		case "/new":
			a.setThree(w, r)
		case "/1kb":
			n++
			a.addItem(w, r, n)
		case "/untouched":
		}
		w.Write([]byte("ok"))
	})
}

func setup(b *testing.B, l lib, seedPath, dir string) *runner {
	mw, a := l.open(b, dir)
	h := handler(a)
	if mw != nil {
		h = mw(h)
	}
	rn := &runner{h: h}
	if seedPath != "" {
		rn.do(b, seedPath)
		if rn.cookie == "" {
			b.Fatalf("%s: seeding gave no cookie", l.name)
		}
	}
	return rn
}

func scenario(b *testing.B, seedPath, path string, fresh bool) {
	b.Run("baseline", func(b *testing.B) {
		h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("ok")) })
		rn := &runner{h: h, cookie: "sessionid=abcdefghijklmnopqrstuvwxyz012345"}
		b.ReportAllocs()
		cpu := cpuTime()
		for b.Loop() {
			rn.do(b, path)
		}
		reportCPU(b, cpu)
	})
	// Each library's files stay until the whole scenario ends, not just
	// its own benchmark: on ext4 without a journal, creating files just
	// after thousands were deleted nearby is several times slower for a
	// minute or more, which would bill one library's NewSession for the
	// clean-up of the library measured before it.
	files := b.TempDir()
	for _, l := range allLibs() {
		b.Run(l.name, func(b *testing.B) {
			dir, err := os.MkdirTemp(files, "")
			if err != nil {
				b.Fatal(err)
			}
			rn := setup(b, l, seedPath, dir)
			b.ReportAllocs()
			cpu := cpuTime()
			for b.Loop() {
				if fresh {
					rn.cookie = ""
				}
				rn.do(b, path)
			}
			reportCPU(b, cpu)
		})
	}
}

func BenchmarkReadOnly(b *testing.B)        { scenario(b, "/seed", "/read", false) }
func BenchmarkReadModifyWrite(b *testing.B) { scenario(b, "/seed", "/rmw", false) }
func BenchmarkNewSession(b *testing.B)      { scenario(b, "", "/new", true) }
func BenchmarkPayload1KB(b *testing.B)      { scenario(b, "/seed1kb", "/1kb", false) }

// BenchmarkReadOnly1KB reads the counter from a session that also holds
// the ~1 KB payload: a request that uses one small value of a larger
// session, as most requests of a logged-in user with a cart do.
func BenchmarkReadOnly1KB(b *testing.B) { scenario(b, "/seed1kb+counter", "/read", false) }
func BenchmarkUntouched(b *testing.B)   { scenario(b, "/seed", "/untouched", false) }

// allLibs lists every library and store compared.
func allLibs() []lib {
	var out []lib
	for _, group := range [][]lib{sessionkitLibs(), scsLibs(), gorillaLibs(), sqlLibs(), redisLibs(), fileLibs(), cookieLibs()} {
		out = append(out, group...)
	}
	return out
}
