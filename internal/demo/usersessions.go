package demo

import (
	"errors"
	"net/http"
	"time"

	"github.com/sessionkit/sessionkit"
)

// sessionsJSON renders a device list for the API.
func sessionsJSON(infos []sessionkit.SessionInfo) []any {
	out := make([]any, 0, len(infos))
	at := func(t time.Time) any {
		if t.IsZero() {
			return nil
		}
		return t.UTC().Format(time.RFC3339)
	}
	for _, in := range infos {
		out = append(out, object(
			"id", in.ID,
			"created", at(in.Created),
			"last_seen", at(in.LastSeen),
			"expiry", at(in.Expiry),
			"user_agent", in.UserAgent,
			"ip", in.IP,
			"current", in.Current,
		))
	}
	return out
}

// userSessionsError answers a failure of the per-user methods: 501 when
// the engine cannot, else 500.
func userSessionsError(w http.ResponseWriter, err error) {
	if errors.Is(err, errors.ErrUnsupported) {
		writeError(w, http.StatusNotImplemented, "this session engine cannot list or end a user's sessions: "+err.Error())
		return
	}
	writeError(w, http.StatusInternalServerError, "the user's sessions: "+err.Error())
}

// loggedIn returns the request's session and its user, or answers 401.
func loggedIn(w http.ResponseWriter, r *http.Request) (*sessionkit.Session, string, bool) {
	sess, ok := session(w, r)
	if !ok {
		return nil, "", false
	}
	uid, _ := sessionkit.Get[string](sess, userKey)
	if uid == "" {
		writeError(w, http.StatusUnauthorized, "not logged in: POST /api/login first")
		return nil, "", false
	}
	return sess, uid, true
}

// apiUserSessions is GET /api/user/sessions: the logged-in user's
// sessions, the request's own marked current.
func (s *Server) apiUserSessions(w http.ResponseWriter, r *http.Request) {
	sess, _, ok := loggedIn(w, r)
	if !ok {
		return
	}
	infos, err := s.m.SessionsOf(r.Context(), sess)
	if err != nil {
		userSessionsError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, object("sessions", sessionsJSON(infos)))
}

// apiUserSessionsRevoke is POST /api/user/sessions/revoke with {"id": …},
// {"others": true} or {"all": true}: it ends one session of the logged-in
// user, all but the request's, or all, and answers {"revoked": N}.
func (s *Server) apiUserSessionsRevoke(w http.ResponseWriter, r *http.Request) {
	var req struct {
		ID     string `json:"id"`
		Others bool   `json:"others"`
		All    bool   `json:"all"`
	}
	if !readStrict(w, r, &req) {
		return
	}
	n := 0
	if req.ID != "" {
		n++
	}
	if req.Others {
		n++
	}
	if req.All {
		n++
	}
	if n != 1 {
		writeError(w, http.StatusBadRequest, `send exactly one of {"id": "<id from GET /api/user/sessions>"}, {"others": true} or {"all": true}`)
		return
	}
	sess, uid, ok := loggedIn(w, r)
	if !ok {
		return
	}
	var revoked int64
	var err error
	switch {
	case req.ID != "":
		var done bool
		if done, err = s.m.DeleteUserSession(r.Context(), uid, req.ID); done {
			revoked = 1
		}
	case req.Others:
		revoked, err = s.m.DeleteOtherSessions(r.Context(), sess)
	default:
		revoked, err = s.m.DeleteUserSessions(r.Context(), uid)
	}
	if err != nil {
		userSessionsError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, object("revoked", revoked))
}
