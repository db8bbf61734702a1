package demo

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sync"

	"github.com/sessionkit/sessionkit/auth"
	"github.com/sessionkit/sessionkit/messages"
)

// demoIterations is the PBKDF2 work factor of the demo accounts' password
// hashes: a tenth of Django 5.2's, so that logging in to the playground
// (and its tests) stays quick. Passwords from Django's auth_user keep
// whatever their hashes say.
const demoIterations = 100_000

// demoUsers returns the demo accounts with their passwords hashed as
// Django's pbkdf2_sha256 does. The salt of each is derived from the
// SECRET_KEY, so that the hashes, like those a database keeps, stay the
// same across restarts: the session's _auth_user_hash is an HMAC of them,
// and a new hash would log everyone out. They are made once per key.
func demoUsers(secret string) auth.StaticUsers {
	demoHashes.Lock()
	defer demoHashes.Unlock()
	if us, ok := demoHashes.m[secret]; ok {
		return us
	}
	out := make(auth.StaticUsers, len(users))
	for i, u := range users {
		mac := hmac.New(sha256.New, []byte("sessionkit.demo.password-salt"+secret))
		mac.Write([]byte(u.Name))
		salt := hex.EncodeToString(mac.Sum(nil))[:22]
		out[i] = auth.User{ID: u.ID, Username: u.Name, Password: auth.EncodePBKDF2(u.Password, salt, demoIterations)}
	}
	if demoHashes.m == nil {
		demoHashes.m = make(map[string]auth.StaticUsers)
	}
	demoHashes.m[secret] = out
	return out
}

var demoHashes struct {
	sync.Mutex
	m map[string]auth.StaticUsers
}

// newAuth returns the playground's django.contrib.auth: Django's auth_user
// in cfg.UsersDB when given, the demo accounts otherwise.
func newAuth(cfg Config) *auth.Auth {
	a := &auth.Auth{SecretKey: cfg.SecretKey, FallbackKeys: cfg.FallbackKeys, Now: cfg.Now}
	if cfg.UsersDB != nil {
		a.Users = &auth.DB{DB: cfg.UsersDB}
	} else {
		a.Users = demoUsers(cfg.SecretKey)
		a.Iterations = demoIterations
	}
	return a
}

// userJSON is a user as the API shows it, or null.
func userJSON(u *auth.User) any {
	if u == nil {
		return nil
	}
	return object("id", u.ID, "username", u.Username)
}

// apiLogin is POST /api/login {"username", "password"}: Django's
// authenticate, then login.
func (s *Server) apiLogin(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Username *string `json:"username"`
		Password *string `json:"password"`
	}
	if !readStrict(w, r, &req) {
		return
	}
	if req.Username == nil || req.Password == nil {
		writeError(w, http.StatusBadRequest, `"username" and "password" are required: send {"username": "alice", "password": "wonderland"}`)
		return
	}
	sess, ok := session(w, r)
	if !ok {
		return
	}
	u, err := s.auth.Authenticate(r.Context(), *req.Username, *req.Password)
	if errors.Is(err, auth.ErrInvalidLogin) {
		writeError(w, http.StatusUnauthorized, "wrong username or password, or the account is inactive")
		return
	}
	if err != nil {
		writeError(w, http.StatusInternalServerError, "looking the user up failed: "+err.Error())
		return
	}
	if err := s.auth.Login(r.Context(), sess, u); err != nil {
		writeError(w, http.StatusInternalServerError, "logging in failed: "+err.Error())
		return
	}
	writeJSON(w, http.StatusOK, object("user", userJSON(&u)))
}

// apiUser is GET /api/user: who Django's get_user says is logged in.
func (s *Server) apiUser(w http.ResponseWriter, r *http.Request) {
	sess, ok := session(w, r)
	if !ok {
		return
	}
	u, err := s.auth.User(r.Context(), sess)
	if err != nil {
		writeError(w, http.StatusInternalServerError, "reading the logged-in user failed: "+err.Error())
		return
	}
	writeJSON(w, http.StatusOK, object("user", userJSON(u)))
}

// apiLogout is POST /api/logout: Django's logout (the session is flushed).
func (s *Server) apiLogout(w http.ResponseWriter, r *http.Request) {
	sess, ok := session(w, r)
	if !ok {
		return
	}
	if err := auth.Logout(sess); err != nil {
		writeError(w, http.StatusInternalServerError, "logging out failed: "+err.Error())
		return
	}
	writeJSON(w, http.StatusOK, object("user", nil))
}

// levelNames are the names POST /api/messages accepts for Django's levels.
var levelNames = map[string]messages.Level{
	"debug": messages.Debug, "info": messages.Info, "success": messages.Success,
	"warning": messages.Warning, "error": messages.Error,
}

// apiMessagesAdd is POST /api/messages {"level", "message", "extra_tags"?}:
// Django's messages.add_message. The level is a number (Django's 10, 20,
// 25, 30, 40 or any other) or one of their names. {"added": false} says
// the message was empty or below MESSAGE_LEVEL (INFO).
func (s *Server) apiMessagesAdd(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Level     json.RawMessage `json:"level"`
		Message   *string         `json:"message"`
		ExtraTags string          `json:"extra_tags"`
	}
	if !readStrict(w, r, &req) {
		return
	}
	if req.Message == nil || req.Level == nil {
		writeError(w, http.StatusBadRequest, `"level" and "message" are required: send {"level": 25, "message": "Saved."} (level 10, 20, 25, 30, 40 or debug, info, success, warning, error)`)
		return
	}
	level, err := parseLevel(req.Level)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	sess, ok := session(w, r)
	if !ok {
		return
	}
	var tags []string
	if req.ExtraTags != "" {
		tags = []string{req.ExtraTags}
	}
	added := messages.Add(sess, level, *req.Message, tags...)
	writeJSON(w, http.StatusOK, object("added", added))
}

func parseLevel(raw json.RawMessage) (messages.Level, error) {
	var n int
	if err := json.Unmarshal(raw, &n); err == nil {
		if n < 1 || n > 1000 {
			return 0, fmt.Errorf(`"level" %d is out of range: use 1 to 1000 (Django's are 10, 20, 25, 30, 40)`, n)
		}
		return messages.Level(n), nil
	}
	var name string
	if err := json.Unmarshal(raw, &name); err == nil {
		if l, ok := levelNames[name]; ok {
			return l, nil
		}
	}
	return 0, fmt.Errorf(`"level" must be an integer or one of debug, info, success, warning, error, not %.40s`, raw)
}

// apiMessages is GET /api/messages: the session's messages, which are
// then gone, as iterating over Django's get_messages.
func (s *Server) apiMessages(w http.ResponseWriter, r *http.Request) {
	sess, ok := session(w, r)
	if !ok {
		return
	}
	list := []any{}
	for _, m := range messages.Get(sess) {
		list = append(list, object("level", int(m.Level), "message", m.Message, "extra_tags", m.ExtraTags, "tags", m.Tags()))
	}
	writeJSON(w, http.StatusOK, object("messages", list))
}
