package testenv

import (
	"strings"
	"testing"
)

// TestDjangoVersions: each version the interop tests name is the Django
// that Python imports under it.
func TestDjangoVersions(t *testing.T) {
	for _, v := range DjangoVersions() {
		out := strings.TrimSpace(string(DjangoIn(t, v, map[string]any{"SECRET_KEY": "x"}, "print(django.get_version())", nil)))
		if !strings.HasPrefix(out, v+".") {
			t.Errorf("Django %s: Python imports Django %s", v, out)
		}
	}
}
