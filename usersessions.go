package sessionkit

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"time"

	"github.com/sessionkit/sessionkit/pyjson"
)

// DefaultSeenInterval is Manager.SeenInterval's default: how often a
// tracked session's last use is written back.
const DefaultSeenInterval = time.Minute

// Keys of the device metadata in the stored data (Manager.TrackSessions,
// Manager.Revocations); removed on load like createdKey.
const (
	sinceKey = "_sessionkit_since" // unix milliseconds the session's user logged in
	seenKey  = "_sessionkit_seen"  // unix seconds of the last recorded use
	uaKey    = "_sessionkit_ua"
	ipKey    = "_sessionkit_ip"
)

// maxUserAgent bounds the recorded User-Agent, in bytes.
const maxUserAgent = 512

// sessionMeta is what the Manager records about a logged-in session.
type sessionMeta struct {
	uid         string // the user when loaded (not stored: it is the user key's value)
	since, seen int64
	ua, ip      string
}

func popMeta(d *pyjson.Object) sessionMeta {
	return sessionMeta{
		since: popUnix(d, sinceKey),
		seen:  popUnix(d, seenKey),
		ua:    popString(d, uaKey),
		ip:    popString(d, ipKey),
	}
}

func popString(d *pyjson.Object, key string) string {
	v, ok := d.Get(key)
	if !ok {
		return ""
	}
	d.Delete(key)
	str, _ := v.(string)
	return str
}

// setMeta adds the metadata of s, whose user is uid, to d (a copy of the
// session data) and remembers it in s.meta. A new user (a login) starts
// the session's "since" anew.
func (m *Manager) setMeta(d *pyjson.Object, s *Session, uid string, now time.Time) {
	if s.meta.since == 0 || s.meta.uid != uid {
		s.meta.since = now.UnixMilli()
		s.meta.uid = uid
	}
	d.Set(sinceKey, s.meta.since)
	if !m.TrackSessions {
		return
	}
	if s.meta.seen == 0 {
		s.meta.seen = now.Unix()
	}
	if s.client.ua != "" {
		s.meta.ua = s.client.ua
	}
	if s.client.ip != "" {
		s.meta.ip = s.client.ip
	}
	d.Set(seenKey, s.meta.seen)
	if s.meta.ua != "" {
		d.Set(uaKey, s.meta.ua)
	}
	if s.meta.ip != "" {
		d.Set(ipKey, s.meta.ip)
	}
}

// clientMeta is the request's user agent and, with TrackIP, address.
func (m *Manager) clientMeta(r *http.Request) sessionMeta {
	c := sessionMeta{ua: r.UserAgent()}
	if len(c.ua) > maxUserAgent {
		c.ua = c.ua[:maxUserAgent]
	}
	if m.TrackIP {
		c.ip = m.clientIP(r.RemoteAddr)
	}
	return c
}

// clientIP is the host of addr, truncated to IPv4Prefix or IPv6Prefix.
func (m *Manager) clientIP(addr string) string {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		host = addr
	}
	ip, err := netip.ParseAddr(host)
	if err != nil {
		return ""
	}
	ip = ip.Unmap()
	bits := m.IPv6Prefix
	if ip.Is4() {
		bits = m.IPv4Prefix
	}
	if bits <= 0 || bits >= ip.BitLen() {
		return ip.WithZone("").String()
	}
	p, err := ip.WithZone("").Prefix(bits)
	if err != nil {
		return ""
	}
	return p.String()
}

func (m *Manager) seenInterval() time.Duration {
	if m.SeenInterval > 0 {
		return max(m.SeenInterval, time.Second)
	}
	return DefaultSeenInterval
}

// seenRefreshDue reports whether a logged-in session the request used has
// metadata old enough (or a client different enough) to be written again.
func (m *Manager) seenRefreshDue(s *Session, now time.Time) bool {
	if s.key == "" || s.data == nil || s.meta.uid == "" {
		return false
	}
	if s.meta.since == 0 || now.Unix()-s.meta.seen >= int64(m.seenInterval()/time.Second) {
		return true
	}
	return (s.client.ua != "" && s.client.ua != s.meta.ua) || (s.client.ip != "" && s.client.ip != s.meta.ip)
}

// revocationKey is the key of userID's "not valid before" record in
// Manager.Revocations: a valid store key that reveals nothing of the id.
func revocationKey(userID string) string {
	sum := sha256.Sum256([]byte("sessionkit.revocation\x00" + userID))
	return "rv" + hex.EncodeToString(sum[:])[:38]
}

// notBefore is the time before which userID's sessions are revoked, in
// unix milliseconds (0: none).
func (m *Manager) notBefore(ctx context.Context, userID string) (int64, error) {
	rec, err := m.Revocations.Load(ctx, revocationKey(userID))
	if errors.Is(err, ErrNotFound) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("sessionkit: reading the user's revocation time from Manager.Revocations: %w", err)
	}
	t, err := strconv.ParseInt(string(rec.Data), 10, 64)
	if err != nil {
		return 0, fmt.Errorf("sessionkit: the revocation record of a user in Manager.Revocations is not a unix time (%q); delete it or revoke again", rec.Data)
	}
	return t, nil
}

// revoked reports whether a session with metadata meta was revoked by its
// user's "not valid before" time: it logged in at or before it (a login in
// the same millisecond counts as before). A session whose login time is
// unknown counts as older than any revocation.
func (m *Manager) revoked(ctx context.Context, meta sessionMeta) (bool, error) {
	if m.Revocations == nil || meta.uid == "" {
		return false, nil
	}
	nb, err := m.notBefore(ctx, meta.uid)
	if err != nil {
		return false, err
	}
	return nb != 0 && meta.since <= nb, nil
}

// revokeBefore records that userID's sessions that logged in before at
// are no longer valid. The record lives as long as a session may:
// CookieAge, or Lifetime if longer.
func (m *Manager) revokeBefore(ctx context.Context, userID string, at time.Time) error {
	key := revocationKey(userID)
	rec := Record{
		Data:   []byte(strconv.FormatInt(at.UnixMilli(), 10)),
		Expiry: at.Add(max(m.cookieAge(), m.Lifetime)),
	}
	var err error
	for range 3 {
		if _, err = m.Revocations.Update(ctx, key, rec); !errors.Is(err, ErrNotFound) {
			break
		}
		if _, err = m.Revocations.Create(ctx, key, rec); !errors.Is(err, ErrKeyExists) {
			break
		}
	}
	if err != nil {
		return fmt.Errorf("sessionkit: writing the user's revocation time to Manager.Revocations: %w", err)
	}
	return nil
}

// errNoUserIndex is the error of the per-user methods for a store without
// the ability they need.
func errNoUserIndex(store Store, ability string) error {
	return fmt.Errorf("sessionkit: the session store %T keeps no per-user index; use one that implements %s: %w", store, ability, errors.ErrUnsupported)
}

// UserSessions lists the live sessions of userID, soonest expiry first,
// with the metadata recorded under TrackSessions. For a store without a
// per-user index the error wraps errors.ErrUnsupported.
func (m *Manager) UserSessions(ctx context.Context, userID string) ([]SessionInfo, error) {
	ctx = WithClock(ctx, m.Now)
	l, ok := m.Store.(UserSessionLister)
	if !ok {
		return nil, errNoUserIndex(m.Store, "UserSessionLister")
	}
	infos, err := l.UserSessions(ctx, userID)
	if err != nil {
		return nil, err
	}
	var nb int64
	if m.Revocations != nil && len(infos) > 0 {
		if nb, err = m.notBefore(ctx, userID); err != nil {
			return nil, err
		}
	}
	out := infos[:0]
	for _, info := range infos {
		since, owner := m.describe(&info)
		if owner != "" && owner != userID {
			continue // a stale index entry: the session is someone else's now, or nobody's
		}
		if nb != 0 && since <= nb {
			continue // revoked: dropped when next loaded
		}
		out = append(out, info)
	}
	return out, nil
}

// describe fills info's metadata from its Data, clears Data and returns
// the login time in unix milliseconds and the user the data holds ("" when
// there is no data to tell; "-" for data without a user).
func (m *Manager) describe(info *SessionInfo) (since int64, owner string) {
	b := info.Data
	info.Data = nil
	if b == nil {
		return 0, ""
	}
	d, err := m.codec().Decode(b)
	if err != nil {
		return 0, ""
	}
	owner = userID(d.Get(m.userKey()))
	if owner == "" {
		owner = "-"
	}
	meta := popMeta(d)
	if meta.since != 0 {
		info.Created = time.UnixMilli(meta.since)
	}
	if meta.seen != 0 {
		info.LastSeen = time.Unix(meta.seen, 0)
	}
	info.UserAgent, info.IP = meta.ua, meta.ip
	return meta.since, owner
}

// sessionUser returns the user of s and its key.
func (m *Manager) sessionUser(s *Session) (uid, key string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return userID(s.loadLocked().Get(m.userKey())), s.key
}

// SessionsOf lists the sessions of the user logged in to s ("your
// devices"), marking s as Current. A session without a user has none. For
// a store without a per-user index the error wraps errors.ErrUnsupported.
func (m *Manager) SessionsOf(ctx context.Context, s *Session) ([]SessionInfo, error) {
	uid, key := m.sessionUser(s)
	if uid == "" {
		return nil, nil
	}
	infos, err := m.UserSessions(ctx, uid)
	if err != nil {
		return nil, err
	}
	if key != "" {
		id := KeyHash(key)
		for i := range infos {
			infos[i].Current = infos[i].ID == id
		}
	}
	return infos, nil
}

// DeleteUserSession logs one device of userID out: it deletes the session
// whose SessionInfo.ID is id, if that user owns it, and reports whether it
// did. For a store that cannot the error wraps errors.ErrUnsupported.
func (m *Manager) DeleteUserSession(ctx context.Context, userID, id string) (bool, error) {
	ctx = WithClock(ctx, m.Now)
	d, ok := m.Store.(UserSessionDeleter)
	if !ok {
		return false, errNoUserIndex(m.Store, "UserSessionDeleter")
	}
	if userID == "" || id == "" {
		return false, nil
	}
	return d.DeleteUserSession(ctx, userID, id)
}

// DeleteOtherSessions logs the user of s out everywhere else: it deletes
// every session of the same user except s ("log out my other devices") and
// reports how many. With a store that has no per-user index (signed
// cookies) and Manager.Revocations set, it revokes every session of the
// user that logged in before now and renews s's login time, so s must be
// saved afterwards (the Middleware does; after Open, call Save); the count
// is then 0, as nobody can count cookies. Otherwise the error wraps
// errors.ErrUnsupported.
func (m *Manager) DeleteOtherSessions(ctx context.Context, s *Session) (int64, error) {
	ctx = WithClock(ctx, m.Now)
	uid, key := m.sessionUser(s)
	if uid == "" {
		return 0, nil
	}
	var err error = errNoUserIndex(m.Store, "UserSessionLister")
	if l, ok := m.Store.(UserSessionLister); ok {
		var n int64
		n, err = l.DeleteUserSessions(ctx, uid, key)
		if err == nil || !errors.Is(err, errors.ErrUnsupported) {
			return n, err
		}
	}
	if m.Revocations == nil {
		return 0, err
	}
	at := m.now()
	if err := m.revokeBefore(ctx, uid, at); err != nil {
		return 0, err
	}
	s.mu.Lock()
	s.meta.since, s.meta.uid = at.UnixMilli()+1, uid // after the revocation
	s.touchLocked()
	s.mu.Unlock()
	return 0, nil
}

// DeleteUserSessions logs userID out everywhere ("log out everywhere",
// after a password change or by an administrator): it deletes every
// session of the user through the store's per-user index and, with
// Manager.Revocations, revokes every session that logged in before now,
// signed cookies included. It reports how many sessions the store deleted
// (0 when only the revocation applied). The request's own session ends
// too: to stay logged in, use DeleteOtherSessions. When the store has no
// per-user index and Revocations is unset, the error wraps
// errors.ErrUnsupported.
func (m *Manager) DeleteUserSessions(ctx context.Context, userID string) (int64, error) {
	ctx = WithClock(ctx, m.Now)
	if userID == "" {
		return 0, nil
	}
	var n int64
	err := errNoUserIndex(m.Store, "UserSessionLister")
	if l, ok := m.Store.(UserSessionLister); ok {
		n, err = l.DeleteUserSessions(ctx, userID, "")
		if err != nil && !errors.Is(err, errors.ErrUnsupported) {
			return n, err
		}
	}
	if m.Revocations == nil {
		return n, err
	}
	if err := m.revokeBefore(ctx, userID, m.now()); err != nil {
		return n, err
	}
	return n, nil
}
