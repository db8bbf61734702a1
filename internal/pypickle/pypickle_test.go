package pypickle

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	ogórek "github.com/kisielk/og-rek"

	"github.com/sessionkit/sessionkit/internal/testenv"
	"github.com/sessionkit/sessionkit/pyjson"
)

// seeds reads the fuzz corpus: entries that Django's cache session engine
// wrote (Django 3.2, 4.2 and 5.2; PyMemcacheCache and RedisCache), named
// django<version>-<backend>-<session>.
func seeds(t testing.TB) map[string][]byte {
	t.Helper()
	dir := filepath.Join("testdata", "fuzz", "FuzzDecode")
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]byte{}
	for _, e := range ents {
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		_, lit, ok := strings.Cut(string(b), "[]byte(")
		if !ok {
			t.Fatalf("%s: not a fuzz corpus file", e.Name())
		}
		s, err := strconv.Unquote(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(lit), ")")))
		if err != nil {
			t.Fatalf("%s: %v", e.Name(), err)
		}
		out[e.Name()] = []byte(s)
	}
	return out
}

// TestDjangoEntries decodes the sessions that real Django wrote: every
// JSON-like type, Django's key order, bytes and tuples read as JSON would
// carry them.
func TestDjangoEntries(t *testing.T) {
	want := []string{
		`{"_auth_user_id":"42","_auth_user_backend":"django.contrib.auth.backends.ModelBackend","_auth_user_hash":"` + strings.Repeat("ab", 32) + `"}`,
		`{"cart":[{"sku":"A-1","qty":2,"price":9.99}],"seen":["x","y"],"ok":true,"none":null,"big":1180591620717411303424,"neg":-129,"u":"caf\u00e9 \ud83d\ude00"}`,
		`{"_session_expiry":3600,"z":1,"a":2}`,
		`{"_session_expiry":"2030-01-02T03:04:05.000006Z","t":[1,"two",3.5],"b":"bytes"}`,
		`{}`,
		`{"long":"` + strings.Repeat("x", 300) + `","nested":{"b":{"c":[1,[2,[3]]]}},"f":[Infinity,-0.0,1e+300]}`,
	}
	n := 0
	for name, p := range seeds(t) {
		if !strings.HasPrefix(name, "django") {
			continue
		}
		i, err := strconv.Atoi(name[strings.LastIndexByte(name, '-')+1:])
		if err != nil || i >= len(want) {
			t.Fatalf("%s: unknown seed", name)
		}
		got, err := DecodeJSON(p)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if string(got) != want[i] {
			t.Errorf("%s:\n got %s\nwant %s", name, got, want[i])
		}
		n++
	}
	if n < 20 {
		t.Fatalf("only %d Django-written seeds", n)
	}
}

// TestRefused: globals, calls, objects and other non-JSON values are
// refused (ErrUnsupported), as are broken pickles (ErrCorrupt). The
// pickles are Python's own (pickle.dumps).
func TestRefused(t *testing.T) {
	unsupported := []struct{ name, p string }{
		{"reduce", "\x80\x05\x95\x1e\x00\x00\x00\x00\x00\x00\x00}\x94\x8c\x01a\x94\x8c\x05posix\x94\x8c\x06getcwd\x94\x93\x94)R\x94s."},
		{"global", "\x80\x05\x95\x1b\x00\x00\x00\x00\x00\x00\x00}\x94\x8c\x01f\x94\x8c\x08builtins\x94\x8c\x03len\x94\x93\x94s."},
		{"globalProto2", "\x80\x02c__builtin__\x0alen\x0aq\x00."},
		{"datetime", "\x80\x05\x951\x00\x00\x00\x00\x00\x00\x00}\x94\x8c\x01d\x94\x8c\x08datetime\x94\x8c\x08datetime\x94\x93\x94C\x0a\x07\xee\x01\x02\x00\x00\x00\x00\x00\x00\x94\x85\x94R\x94s."},
		{"set", "\x80\x05\x95\x0e\x00\x00\x00\x00\x00\x00\x00}\x94\x8c\x01s\x94\x8f\x94(K\x01\x90s."},
		{"bytearray", "\x80\x05\x95\x13\x00\x00\x00\x00\x00\x00\x00}\x94\x8c\x01b\x94\x96\x01\x00\x00\x00\x00\x00\x00\x00x\x94s."},
		{"intKey", "\x80\x05\x95\x0a\x00\x00\x00\x00\x00\x00\x00}\x94K\x01\x8c\x01a\x94s."},
		{"latin1Bytes", "\x80\x05\x95\x0c\x00\x00\x00\x00\x00\x00\x00}\x94\x8c\x01b\x94C\x01\xff\x94s."},
		{"protocol0", "(dp0\x0aVa\x0ap1\x0aI1\x0as."},
		// Protocol 2 writes bytes as a call of _codecs.encode: refused
		// like any other call.
		{"bytesProto2", "\x80\x02}q\x00X\x01\x00\x00\x00bq\x01c_codecs\x0aencode\x0aq\x02X\x01\x00\x00\x00xq\x03X\x06\x00\x00\x00latin1q\x04\x86q\x05Rq\x06s."},
		{"selfContaining", "\x80\x04}\x94\x8c\x01a\x94h\x00s."},
	}
	for _, tc := range unsupported {
		if v, err := Decode([]byte(tc.p)); !errors.Is(err, ErrUnsupported) {
			t.Errorf("%s: Decode = %v, %v; want ErrUnsupported", tc.name, v, err)
		}
	}
	corrupt := []struct{ name, p string }{
		{"empty", ""},
		{"noStop", "\x80\x04}\x94"},
		{"truncated", "\x80\x04\x8c\x05ab"},
		{"twoValues", "\x80\x04}}."},
		{"underflow", "\x80\x04s."},
		{"unsetMemo", "\x80\x04h\x07."},
		{"appendToDict", "\x80\x04}K\x01a."},
		{"badUTF8Str", "\x80\x04\x8c\x01\xff."},
		{"protocol6", "\x80\x06}."},
		// Python: TypeError, even though the dict is then popped.
		{"listKeyInDroppedDict", "((l(ld0(l."},
		{"tupleOfListKey", "\x80\x04}(]t\x94K\x01s."},
	}
	for _, tc := range corrupt {
		if v, err := Decode([]byte(tc.p)); !errors.Is(err, ErrCorrupt) {
			t.Errorf("%s: Decode = %v, %v; want ErrCorrupt", tc.name, v, err)
		}
	}
	if _, err := DecodeJSON([]byte("\x80\x04]\x94.")); !errors.Is(err, ErrUnsupported) {
		t.Errorf("DecodeJSON of a list = %v, want ErrUnsupported", err)
	}
}

var roundTrips = []string{
	`{}`,
	`{"z":1,"a":2,"m":{"y":[],"b":{}}}`,
	`{"ints":[0,1,255,256,65535,65536,-1,-128,-129,-256,-32768,2147483647,2147483648,-2147483648,-2147483649,9223372036854775807,-9223372036854775808,18446744073709551616,-340282366920938463463374607431768211456]}`,
	`{"floats":[0.0,-0.0,1.0,0.1,1e+16,1e-05,NaN,Infinity,-Infinity]}`,
	`{"s":"","t":"caf\u00e9 \ud83d\ude00 \ud800","long":"` + strings.Repeat("y", 70000) + `","b":[true,false,null]}`,
}

// TestRoundTrip: EncodeJSON then DecodeJSON gives the same JSON, keys in
// their order.
func TestRoundTrip(t *testing.T) {
	for _, j := range roundTrips {
		p, err := EncodeJSON([]byte(j))
		if err != nil {
			t.Fatalf("EncodeJSON(%.60s): %v", j, err)
		}
		got, err := DecodeJSON(p)
		if err != nil {
			t.Fatalf("DecodeJSON of %.60s: %v", j, err)
		}
		if string(got) != j {
			t.Errorf("round trip:\n got %.200s\nwant %.200s", got, j)
		}
	}
	for _, bad := range []string{`[1]`, `"s"`, `{"a":`} {
		if _, err := EncodeJSON([]byte(bad)); err == nil {
			t.Errorf("EncodeJSON(%s) succeeded, want an error", bad)
		}
	}
}

// TestPythonReads: what Encode writes, Python's pickle.loads reads as the
// same dict, keys in order.
func TestPythonReads(t *testing.T) {
	py := testenv.Python(t)
	for _, j := range roundTrips {
		p, err := EncodeJSON([]byte(j))
		if err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command(py, "-c", `import sys, pickle, json
sys.stdout.write(json.dumps(pickle.loads(sys.stdin.buffer.read()), separators=(",", ":")))`)
		cmd.Stdin = bytes.NewReader(p)
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("Python: %v", err)
		}
		if string(out) != j {
			t.Errorf("Python read:\n got %.200s\nwant %.200s", out, j)
		}
	}
}

// FuzzDecode runs arbitrary pickles, starting from Django-written entries:
// never a panic; a value that decodes encodes and decodes back to itself;
// and where the pickle neither reads its memo nor uses DUP (og-rek copies
// a list where Python shares it), POP_MARK (which og-rek skips), LONG4
// (which og-rek does not know) or a tuple as a dict key (which og-rek
// cannot hold), og-rek decodes the same value.
func FuzzDecode(f *testing.F) {
	for _, p := range seeds(f) {
		f.Add(p)
	}
	f.Fuzz(func(t *testing.T, p []byte) {
		d := decoder{p: p, memo: map[uint64]any{}}
		raw, err := d.run()
		v, err2 := Decode(p)
		if (err == nil) != (err2 == nil) && err2 == nil {
			t.Fatalf("run failed (%v) but Decode succeeded", err)
		}
		if err2 != nil {
			if !errors.Is(err2, ErrCorrupt) && !errors.Is(err2, ErrUnsupported) {
				t.Fatalf("Decode error %v wraps neither ErrCorrupt nor ErrUnsupported", err2)
			}
			return
		}
		_ = raw
		j, err := pyjson.Marshal(v)
		if err != nil {
			t.Fatalf("Marshal of a decoded value: %v", err)
		}
		p2, err := Encode(v)
		if err != nil {
			t.Fatalf("Encode of a decoded value: %v", err)
		}
		v2, err := Decode(p2)
		if err != nil {
			t.Fatalf("Decode of Encode's output: %v", err)
		}
		if j2, _ := pyjson.Marshal(v2); !bytes.Equal(j, j2) {
			t.Fatalf("re-encoded value differs:\n%s\n%s", j, j2)
		}
		if d.oddOps > 0 {
			return
		}
		ov, err := ogórek.NewDecoderWithConfig(bytes.NewReader(p), &ogórek.DecoderConfig{StrictUnicode: true}).Decode()
		if err != nil {
			t.Fatalf("og-rek refuses what Decode accepted: %v", err)
		}
		want, err := pyjson.Marshal(fromOgórek(t, ov))
		if err != nil {
			t.Fatal(err)
		}
		if got := sorted(t, j); !bytes.Equal(got, want) {
			t.Fatalf("Decode and og-rek differ:\n%s\n%s", got, want)
		}
	})
}

// sorted rewrites JSON with every object's keys sorted.
func sorted(t *testing.T, j []byte) []byte {
	v, err := pyjson.Unmarshal(j)
	if err != nil {
		t.Fatal(err)
	}
	out, err := pyjson.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// fromOgórek turns og-rek's values into JSON-like ones.
func fromOgórek(t *testing.T, v any) any {
	switch v := v.(type) {
	case ogórek.None:
		return nil
	case ogórek.Bytes:
		return string(v)
	case ogórek.ByteString:
		return string(v)
	case ogórek.Tuple:
		return fromOgórek(t, []any(v))
	case []any:
		l := make([]any, len(v))
		for i, e := range v {
			l[i] = fromOgórek(t, e)
		}
		return l
	case map[any]any:
		m := map[string]any{}
		for k, e := range v {
			ks, ok := k.(string)
			if !ok {
				t.Fatalf("og-rek: a %T key where Decode accepted the dict", k)
			}
			m[ks] = fromOgórek(t, e)
		}
		return m
	default:
		return v
	}
}
