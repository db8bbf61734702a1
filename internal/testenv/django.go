package testenv

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
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

// DjangoVersions are the Django releases the interop tests run against:
// Debian's system Django (3.2) and the 4.2 and 5.2 packages that
// DjangoPath unpacks.
func DjangoVersions() []string { return []string{"3.2", "4.2", "5.2"} }

// DjangoPath returns the PYTHONPATH under which Python imports Django
// version ("3.2", "4.2" or "5.2"): "" for the system's 3.2; for the others
// the directory where django-env.sh (from the shared Django packages,
// SESSIONKIT_DJANGO_DIST or ../shared/django/dist beside the repository)
// unpacked it, once per machine.
func DjangoPath(t testing.TB, version string) string {
	t.Helper()
	if version == "3.2" {
		return ""
	}
	dist := os.Getenv("SESSIONKIT_DJANGO_DIST")
	if dist == "" {
		root, err := repoRoot()
		if err != nil {
			Missing(t, "the repository root ("+err.Error()+")")
		}
		dist = filepath.Join(root, "..", "shared", "django", "dist")
	}
	script := filepath.Join(dist, "django-env.sh")
	if _, err := os.Stat(script); err != nil {
		Missing(t, "Django "+version+" ("+script+")")
	}
	dir := filepath.Join(os.TempDir(), "sessionkit-django-"+strconv.Itoa(os.Getuid()))
	out, err := exec.Command("bash", script, version, dir).Output()
	if err != nil {
		t.Fatalf("unpacking Django %s with %s: %v", version, script, err)
	}
	return strings.TrimSpace(string(out))
}

// DjangoIn is Django under Django version (see DjangoVersions).
func DjangoIn(t testing.TB, version string, settings map[string]any, script string, stdin []byte) []byte {
	t.Helper()
	py := Python(t)
	s, err := json.Marshal(settings)
	if err != nil {
		t.Fatalf("django settings: %v", err)
	}
	cmd := exec.Command(py, "-c", djangoPreamble+script)
	cmd.Env = append(os.Environ(), "SESSIONKIT_DJANGO_SETTINGS="+string(s), "PYTHONPATH="+DjangoPath(t, version))
	cmd.Stdin = bytes.NewReader(stdin)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("django %s script failed: %v\nstderr:\n%s\nscript:\n%s", version, err, errb.String(), script)
	}
	if errb.Len() > 0 {
		t.Logf("django %s stderr:\n%s", version, errb.String())
	}
	return out.Bytes()
}

// startDir is the working directory the test binary started in: its
// package's directory, before any test's t.Chdir.
var startDir, startDirErr = os.Getwd()

// repoRoot finds the directory of this module's go.mod above startDir.
func repoRoot() (string, error) {
	dir, err := startDir, startDirErr
	if err != nil {
		return "", err
	}
	for {
		if b, err := os.ReadFile(filepath.Join(dir, "go.mod")); err == nil && bytes.Contains(b, []byte("module github.com/sessionkit/sessionkit\n")) {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod of github.com/sessionkit/sessionkit above the working directory")
		}
		dir = parent
	}
}
