package filestore_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/sessionkit/sessionkit"
	"github.com/sessionkit/sessionkit/signing"
	"github.com/sessionkit/sessionkit/store/filestore"
)

// sessionVectors are the session_encode.json cases real Django produced
// (testdata/django-*/, copied from the project's vector set).
type sessionVectors struct {
	Meta struct {
		SecretKey     string `json:"secret_key"`
		DjangoVersion string `json:"django_version"`
	}
	Cases []struct {
		Kind   string
		Inputs struct {
			Label       string
			SessionData string `json:"session_data"`
		}
		Outputs struct {
			JSON        string
			SessionData string `json:"session_data"`
		}
	}
}

// TestVectors stores the session_data tokens Django wrote in Django-mode
// files and reads them back: the file holds exactly the token, and the
// payload under its signature is byte for byte the JSON Django encoded. Corrupt tokens are
// handed over too, for the codec to reject, as Django's decode does.
func TestVectors(t *testing.T) {
	files, _ := filepath.Glob("testdata/django-*/session_encode.json")
	if len(files) != 2 {
		t.Fatalf("found %d vector files, want 2", len(files))
	}
	for _, file := range files {
		raw, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		var v sessionVectors
		if err := json.Unmarshal(raw, &v); err != nil {
			t.Fatal(err)
		}
		t.Run(v.Meta.DjangoVersion, func(t *testing.T) {
			dir := t.TempDir()
			s, err := filestore.New(filestore.Config{Dir: dir, Django: true})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			// The session codec's signer: comparing the payload it
			// returns with Django's JSON is a byte-exact check.
			signer, err := signing.NewTimestampSigner(signing.Options{Key: v.Meta.SecretKey, Salt: sessionkit.DjangoSessionSalt})
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range v.Cases {
				token := c.Outputs.SessionData
				if c.Kind == "session_decode_bad" {
					token = c.Inputs.SessionData
				}
				key := sessionkit.NewKey()
				if _, err := s.Create(t.Context(), key, sessionkit.Record{Data: []byte(token), Expiry: time.Now().Add(time.Hour)}); err != nil {
					t.Fatal(err)
				}
				content, err := os.ReadFile(filepath.Join(dir, "sessionid"+key))
				if err != nil {
					t.Fatal(err)
				}
				if string(content) != token {
					t.Errorf("%s: file holds %q, want exactly Django's %q", c.Inputs.Label, content, token)
				}
				rec, err := s.Load(t.Context(), key)
				if err != nil {
					t.Fatalf("%s: Load: %v", c.Inputs.Label, err)
				}
				got, err := signer.UnsignPayload(string(rec.Data), signing.NoMaxAge)
				if c.Kind == "session_decode_bad" {
					if _, derr := (&sessionkit.DjangoCodec{SecretKey: v.Meta.SecretKey}).Decode(rec.Data); derr == nil {
						t.Errorf("%s: the Django codec accepted the corrupt token %q", c.Inputs.Label, token)
					}
					continue
				}
				if err != nil {
					t.Fatalf("%s: unsign: %v", c.Inputs.Label, err)
				}
				if string(got) != c.Outputs.JSON {
					t.Errorf("%s: decoded %s, Django encoded %s", c.Inputs.Label, got, c.Outputs.JSON)
				}
			}
		})
	}
}
