package cookies

import (
	"encoding/json"
	"errors"
	"math"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

// djangoVersions are the releases whose output is in testdata/.
var djangoVersions = []string{"django-4.2.28", "django-5.2.18"}

// vectorFile is the layout shared by the files in testdata/.
type vectorFile struct {
	Meta struct {
		DjangoVersion string  `json:"django_version"`
		SecretKey     string  `json:"secret_key"`
		FixedTime     float64 `json:"fixed_time"`
	} `json:"meta"`
	Cases []struct {
		Kind    string          `json:"kind"`
		Inputs  json.RawMessage `json:"inputs"`
		Outputs json.RawMessage `json:"outputs"`
		Checks  json.RawMessage `json:"checks"`
	} `json:"cases"`
}

func loadVectors(t *testing.T, version, file string) vectorFile {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", version, file))
	if err != nil {
		t.Fatal(err)
	}
	var v vectorFile
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("%s/%s: %v", version, file, err)
	}
	if len(v.Cases) == 0 {
		t.Fatalf("%s/%s has no cases", version, file)
	}
	return v
}

func unmarshal(t *testing.T, raw json.RawMessage, v any) {
	t.Helper()
	if err := json.Unmarshal(raw, v); err != nil {
		t.Fatalf("%s: %v", raw, err)
	}
}

// pyTime turns a Python time.time() value into a time.Time.
func pyTime(f float64) time.Time {
	sec, frac := math.Modf(f)
	return time.Unix(int64(sec), int64(math.Round(frac*1e9)))
}

// setCookieKwargs are set_cookie's keyword arguments as the vectors record
// them. A pointer is nil when the argument was not passed; path is
// json.RawMessage to tell null (path=None) from absent.
type setCookieKwargs struct {
	Value    string          `json:"value"`
	MaxAge   *float64        `json:"max_age"`
	Expires  *string         `json:"expires"`
	Path     json.RawMessage `json:"path"`
	Domain   *string         `json:"domain"`
	Secure   bool            `json:"secure"`
	HTTPOnly bool            `json:"httponly"`
	SameSite *string         `json:"samesite"`
}

// options maps Django's arguments onto Options.
func (k setCookieKwargs) options(t *testing.T) Options {
	var o Options
	if k.MaxAge != nil {
		o.MaxAge = time.Duration(*k.MaxAge * float64(time.Second))
		if *k.MaxAge == 0 {
			o.MaxAge = -1 // Options' spelling of max_age=0
		}
	}
	if k.Expires != nil {
		o.ExpiresRaw = *k.Expires
	}
	switch string(k.Path) {
	case "":
	case "null":
		o.NoPath = true
	default:
		unmarshal(t, k.Path, &o.Path)
	}
	if k.Domain != nil {
		o.Domain = *k.Domain
	}
	o.Secure, o.HTTPOnly = k.Secure, k.HTTPOnly
	if k.SameSite != nil {
		o.SameSite = *k.SameSite
	}
	return o
}

type setCookieOutputs struct {
	Result    string `json:"result"`
	Error     string `json:"error"`
	SetCookie string `json:"set_cookie"`
}

// TestVectorsSetCookie checks every set_cookie, delete_cookie,
// parse_cookie and http_date case that Django 4.2 and 5.2 recorded.
func TestVectorsSetCookie(t *testing.T) {
	for _, version := range djangoVersions {
		v := loadVectors(t, version, "set_cookie.json")
		counts := map[string]int{}
		for i, c := range v.Cases {
			counts[c.Kind]++
			switch c.Kind {
			case "set_cookie":
				var in struct {
					Label  string          `json:"label"`
					Key    string          `json:"key"`
					Kwargs setCookieKwargs `json:"kwargs"`
					Time   float64         `json:"time"`
				}
				var out setCookieOutputs
				unmarshal(t, c.Inputs, &in)
				unmarshal(t, c.Outputs, &out)
				got, err := Format(in.Key, in.Kwargs.Value, in.Kwargs.options(t), pyTime(in.Time))
				checkResult(t, version+"/"+in.Label, got, err, out)

			case "delete_cookie":
				var in struct {
					Label  string `json:"label"`
					Key    string `json:"key"`
					Kwargs struct {
						Path     string `json:"path"`
						Domain   string `json:"domain"`
						SameSite string `json:"samesite"`
					} `json:"kwargs"`
				}
				var out setCookieOutputs
				unmarshal(t, c.Inputs, &in)
				unmarshal(t, c.Outputs, &out)
				w := httptest.NewRecorder()
				err := Delete(w, in.Key, DeleteOptions{Path: in.Kwargs.Path, Domain: in.Kwargs.Domain, SameSite: in.Kwargs.SameSite})
				checkResult(t, version+"/"+in.Label, strings.Join(w.Header()["Set-Cookie"], "\n"), err, out)

			case "parse_cookie":
				var in struct {
					Header string `json:"header"`
				}
				var out struct {
					Pairs [][2]string `json:"pairs"`
				}
				unmarshal(t, c.Inputs, &in)
				unmarshal(t, c.Outputs, &out)
				wantPairs := []Pair{}
				wantMap := map[string]string{}
				for _, p := range out.Pairs {
					wantPairs = append(wantPairs, Pair{p[0], p[1]})
					wantMap[p[0]] = p[1]
				}
				if got := ParsePairs(in.Header); !reflect.DeepEqual(append([]Pair{}, got...), wantPairs) {
					t.Errorf("%s: ParsePairs(%q) = %q, want %q", version, in.Header, got, wantPairs)
				}
				if got := Parse(in.Header); !reflect.DeepEqual(got, wantMap) {
					t.Errorf("%s: Parse(%q) = %q, want %q", version, in.Header, got, wantMap)
				}
				r := httptest.NewRequest("GET", "/", nil)
				r.Header.Set("Cookie", in.Header)
				for name, want := range wantMap {
					if got, ok := Lookup(r, name); !ok || got != want {
						t.Errorf("%s: Lookup(%q, %q) = %q, %v; want %q", version, in.Header, name, got, ok, want)
					}
				}

			case "http_date":
				var in struct {
					Epoch float64 `json:"epoch"`
				}
				var out struct {
					Date string `json:"date"`
				}
				unmarshal(t, c.Inputs, &in)
				unmarshal(t, c.Outputs, &out)
				if got := HTTPDate(pyTime(in.Epoch)); got != out.Date {
					t.Errorf("%s: HTTPDate(%v) = %q, want %q", version, in.Epoch, got, out.Date)
				}

			default:
				t.Errorf("%s case %d: unknown kind %q", version, i, c.Kind)
			}
		}
		// Guard against a silently emptied or renamed vector file.
		want := map[string]int{"set_cookie": 21, "delete_cookie": 6, "parse_cookie": 20, "http_date": 4}
		if !reflect.DeepEqual(counts, want) {
			t.Errorf("%s: cases by kind = %v, want %v", version, counts, want)
		}
	}
}

// checkResult compares a Format or Delete outcome with Django's.
func checkResult(t *testing.T, label, got string, err error, out setCookieOutputs) {
	t.Helper()
	switch out.Result {
	case "ok":
		if err != nil {
			t.Errorf("%s: unexpected error %v", label, err)
		} else if got != out.SetCookie {
			t.Errorf("%s:\n got %s\nwant %s", label, got, out.SetCookie)
		}
	case "ValueError", "CookieError":
		sentinel := ErrInvalidName
		if out.Result == "ValueError" {
			sentinel = ErrInvalidAttribute
		}
		if !errors.Is(err, sentinel) {
			t.Errorf("%s: error %v, want %v (Django raised %s)", label, err, sentinel, out.Result)
		} else if !strings.Contains(err.Error(), out.Error) {
			t.Errorf("%s: error %q does not contain Django's message %q", label, err, out.Error)
		}
		if got != "" {
			t.Errorf("%s: a header %q was produced despite the error", label, got)
		}
	default:
		t.Fatalf("%s: unknown result %q", label, out.Result)
	}
}
