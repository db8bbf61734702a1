package cachestore

import (
	"fmt"
	"testing"
)

func TestRecentIsBounded(t *testing.T) {
	var r recent
	v := make([]byte, 1000)
	for i := range 10000 {
		r.put(fmt.Sprintf("key%d", i), v)
		if r.bytes > recentMaxBytes {
			t.Fatalf("after %d entries: %d bytes remembered, want at most %d", i+1, r.bytes, recentMaxBytes)
		}
	}
	if len(r.m) < recentMaxBytes/(1000+8)-1 {
		t.Errorf("%d entries remembered; the bound should hold about %d", len(r.m), recentMaxBytes/1008)
	}
	// Replacing entries of a full memory keeps the count right.
	for i := 9000; i < 10000; i++ {
		r.put(fmt.Sprintf("key%d", i), make([]byte, 900+i%200))
	}
	r.put("key9999", make([]byte, 10))
	if got := r.get("key9999"); len(got) != 10 {
		t.Errorf("a replaced entry reads back %d bytes, want 10", len(got))
	}
	r.put("huge", make([]byte, recentMaxEntry+1))
	if r.get("huge") != nil {
		t.Error("an entry over recentMaxEntry was remembered")
	}
	total := 0
	for k, v := range r.m {
		total += len(k) + len(v)
	}
	if total != r.bytes {
		t.Errorf("the count says %d bytes, the entries hold %d", r.bytes, total)
	}
	r.drop("key9999")
	if r.get("key9999") != nil {
		t.Error("a dropped entry is still remembered")
	}
}
