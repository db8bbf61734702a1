//go:build sessionkit_withvalue

package sessionkit

import (
	"context"
	"net/http"
)

type sessionContext struct{}

// attach returns r with st's session in its context.
func (st *requestState) attach(r *http.Request) *http.Request {
	ctx := context.WithValue(r.Context(), contextKey{}, &st.session)
	st.session.ctx = ctx
	return r.WithContext(ctx)
}
