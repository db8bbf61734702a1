package testenv

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"testing"
)

// djangoPreamble configures Django from the JSON in SESSIONKIT_DJANGO_SETTINGS
// before the test's own script runs.
const djangoPreamble = `import json, os, sys
import django
from django.conf import settings
settings.configure(**json.loads(os.environ["SESSIONKIT_DJANGO_SETTINGS"]))
django.setup()
`

// Django runs script in real Django (see Python) after configuring it with
// settings (Django setting names; values as JSON), with stdin as standard
// input, and returns what the script printed. The test fails if the script
// exits non-zero. Django's own logging goes to the test log.
func Django(t testing.TB, settings map[string]any, script string, stdin []byte) []byte {
	t.Helper()
	py := Python(t)
	s, err := json.Marshal(settings)
	if err != nil {
		t.Fatalf("django settings: %v", err)
	}
	cmd := exec.Command(py, "-c", djangoPreamble+script)
	cmd.Env = append(os.Environ(), "SESSIONKIT_DJANGO_SETTINGS="+string(s))
	cmd.Stdin = bytes.NewReader(stdin)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("django script failed: %v\nstderr:\n%s\nscript:\n%s", err, errb.String(), script)
	}
	if errb.Len() > 0 {
		t.Logf("django stderr:\n%s", errb.String())
	}
	return out.Bytes()
}

// DjangoVersion returns the version of the Django that Django runs, e.g. "3.2.25".
func DjangoVersion(t testing.TB) string {
	t.Helper()
	out, err := exec.Command(Python(t), "-c", "import django; print(django.get_version())").Output()
	if err != nil {
		t.Fatalf("django version: %v", err)
	}
	return string(bytes.TrimSpace(out))
}
