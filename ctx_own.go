//go:build !sessionkit_withvalue

package sessionkit

import (
	"context"
	"net/http"
)

// attach returns r with st's session in its context.
func (st *requestState) attach(r *http.Request) *http.Request {
	st.ctx = sessionContext{Context: r.Context(), s: &st.session}
	st.session.ctx = &st.ctx
	return r.WithContext(&st.ctx)
}

// sessionContext is context.WithValue(parent, contextKey{}, s) without an
// allocation of its own: it lives in the requestState.
type sessionContext struct {
	context.Context
	s *Session
}

func (c *sessionContext) Value(key any) any {
	if key == (contextKey{}) {
		return c.s
	}
	return c.Context.Value(key)
}

func (c *sessionContext) String() string { return "sessionkit.sessionContext" }
