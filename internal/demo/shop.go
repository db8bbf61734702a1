package demo

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/sessionkit/sessionkit"
	"github.com/sessionkit/sessionkit/auth"
)

// Session keys the shop uses. The user's id goes where Django's auth.login
// puts it, so that stores with a per-user index can list the sessions.
const (
	cartKey   = "cart"            // {"product id": quantity}
	recentKey = "recently_viewed" // ["product id", …], most recent first
	userKey   = sessionkit.UserIDKey
	maxRecent = 4
	maxQty    = 99
)

// rememberFor is how long "remember me" keeps a user logged in.
const rememberFor = 14 * 24 * time.Hour

type product struct {
	ID          string
	Name        string
	Description string
	Price       int // cents
	Swatch      int // CSS class swatch-N
}

var products = []product{
	{"espresso", "Espresso beans", "Dark roast, 250 g. Chocolate and cherry.", 1250, 1},
	{"kettle", "Pour-over kettle", "Gooseneck, 0.8 l, steady pour.", 3900, 2},
	{"mug", "Stoneware mug", "Glazed by hand, 300 ml.", 1800, 3},
	{"grinder", "Hand grinder", "Steel burrs, 25 settings.", 5400, 4},
	{"tea", "Green tea sampler", "Six loose-leaf teas from Japan and China.", 2200, 5},
	{"filters", "Paper filters", "100 filters, unbleached.", 600, 6},
}

func productByID(id string) (product, bool) {
	for _, p := range products {
		if p.ID == id {
			return p, true
		}
	}
	return product{}, false
}

type user struct {
	ID, Name string
	// Password is shown on the login form: these are demo accounts.
	Password string
}

// users are the demo accounts, shown on the login form.
var users = []user{
	{"1", "alice", "wonderland"},
	{"2", "bob", "builder"},
}

type cartLine struct {
	Product  product
	Qty      int
	Subtotal int
}

type sessionRow struct {
	ID       string // the whole SessionInfo.ID, for the logout form
	Short    string
	Device   string // the user agent
	LastSeen string
	Expires  string
	Current  bool
}

type shopData struct {
	Products  []product
	Recent    []product
	Cart      []cartLine
	CartCount int
	Total     int
	User      *user
	// Remembered is true when the login lasts beyond the browser session.
	Remembered bool
	Expires    string
	Users      []user
	// Sessions lists the user's sessions where the store can; SessionsNote
	// says why not otherwise.
	Sessions     []sessionRow
	SessionsNote string
	// RevokeOthers offers "log out the other sessions" without a list:
	// signed cookies with the Manager's revocation store.
	RevokeOthers bool
	// Product is set on a product's page.
	Product *product
	InCart  int
}

// shopState reads what the shop pages show from the session.
func (s *Server) shopState(r *http.Request, sess *sessionkit.Session) shopData {
	d := shopData{Products: products, Users: users}
	cart, _ := sessionkit.Get[map[string]int](sess, cartKey)
	for _, p := range products {
		if q := cart[p.ID]; q > 0 {
			d.Cart = append(d.Cart, cartLine{Product: p, Qty: q, Subtotal: q * p.Price})
			d.CartCount += q
			d.Total += q * p.Price
		}
	}
	recent, _ := sessionkit.Get[[]string](sess, recentKey)
	for _, id := range recent {
		if p, ok := productByID(id); ok {
			d.Recent = append(d.Recent, p)
		}
	}
	if !s.accounts {
		d.Users = nil
	}
	au, err := s.auth.User(r.Context(), sess)
	if err != nil {
		s.log.Error("reading the logged-in user", "err", err)
	}
	if au != nil {
		u := user{ID: au.ID, Name: au.Username}
		d.User = &u
		d.Remembered = !sess.ExpiresAtBrowserClose()
		d.Expires = sess.ExpiryDate().UTC().Format("2 Jan 2006 15:04 MST")
		s.listSessions(r, sess, u, &d)
	}
	return d
}

// listSessions fills in the user's sessions, where the store keeps a
// per-user index.
func (s *Server) listSessions(r *http.Request, sess *sessionkit.Session, u user, d *shopData) {
	infos, err := s.m.SessionsOf(r.Context(), sess)
	switch {
	case errors.Is(err, errors.ErrUnsupported):
		d.SessionsNote = "This engine keeps no per-user index of sessions, so it cannot list them."
		if s.m.Revocations != nil {
			d.SessionsNote += " It can still end every other one: sessions that logged in before now are refused."
			d.RevokeOthers = true
		}
		return
	case err != nil:
		d.SessionsNote = "Listing the sessions failed: " + err.Error()
		return
	}
	for _, in := range infos {
		row := sessionRow{
			ID:       in.ID,
			Short:    in.ID[:min(10, len(in.ID))],
			Device:   in.UserAgent,
			LastSeen: "unknown",
			Expires:  in.Expiry.UTC().Format("2 Jan 2006 15:04 MST"),
			Current:  in.Current,
		}
		if row.Device == "" {
			row.Device = "unknown device"
		}
		if !in.LastSeen.IsZero() {
			row.LastSeen = in.LastSeen.UTC().Format("2 Jan 2006 15:04 MST")
		}
		d.Sessions = append(d.Sessions, row)
	}
}

func (s *Server) shopPage(w http.ResponseWriter, r *http.Request) {
	sess, ok := session(w, r)
	if !ok {
		return
	}
	s.render(w, r, http.StatusOK, "shop", view{Title: "Shop", Nav: "shop", Page: s.shopState(r, sess)})
}

// productPage shows a product and puts it first in "recently viewed".
func (s *Server) productPage(w http.ResponseWriter, r *http.Request) {
	p, found := productByID(r.PathValue("id"))
	if !found {
		s.notFoundPage(w, r)
		return
	}
	sess, ok := session(w, r)
	if !ok {
		return
	}
	recent, _ := sessionkit.Get[[]string](sess, recentKey)
	if len(recent) == 0 || recent[0] != p.ID {
		recent = slices.DeleteFunc(recent, func(id string) bool { return id == p.ID })
		recent = append([]string{p.ID}, recent...)
		sess.Set(recentKey, recent[:min(len(recent), maxRecent)])
	}
	d := s.shopState(r, sess)
	d.Product = &p
	for _, l := range d.Cart {
		if l.Product.ID == p.ID {
			d.InCart = l.Qty
		}
	}
	s.render(w, r, http.StatusOK, "product", view{Title: p.Name, Nav: "shop", Page: d})
}

// returnTo is where a shop form goes back to: the product page it was
// posted from, or the shop.
func returnTo(r *http.Request) string {
	if p, ok := productByID(r.PostForm.Get("from")); ok {
		return "/shop/products/" + p.ID
	}
	return "/shop"
}

// cartAdd adds one of a product to the cart: read the cart, change it,
// write it back.
func (s *Server) cartAdd(w http.ResponseWriter, r *http.Request) {
	sess, ok := s.formSession(w, r, "/shop")
	if !ok {
		return
	}
	p, found := productByID(r.PostForm.Get("product"))
	if !found {
		note(r, true, "There is no such product.")
		back(w, r, returnTo(r))
		return
	}
	cart, _ := sessionkit.Get[map[string]int](sess, cartKey)
	if cart == nil {
		cart = make(map[string]int)
	}
	if cart[p.ID] >= maxQty {
		note(r, true, fmt.Sprintf("At most %d of one product.", maxQty))
		back(w, r, returnTo(r))
		return
	}
	cart[p.ID]++
	sess.Set(cartKey, cart)
	note(r, false, fmt.Sprintf("Added %s to the cart: request.session[%q] = %s", p.Name, cartKey, jsonText(cart)))
	back(w, r, returnTo(r))
}

func (s *Server) cartRemove(w http.ResponseWriter, r *http.Request) {
	sess, ok := s.formSession(w, r, "/shop")
	if !ok {
		return
	}
	cart, _ := sessionkit.Get[map[string]int](sess, cartKey)
	id := r.PostForm.Get("product")
	if _, in := cart[id]; !in {
		note(r, true, "That product is not in the cart.")
		back(w, r, returnTo(r))
		return
	}
	delete(cart, id)
	if len(cart) == 0 {
		sess.Delete(cartKey)
	} else {
		sess.Set(cartKey, cart)
	}
	note(r, false, "Removed from the cart.")
	back(w, r, returnTo(r))
}

// login is Django's authenticate and login (package auth): it checks the
// password against its Django hash, cycles the session key (so a key
// planted before login is worthless after it) and records the user as
// Django does. Without "remember me" the session ends when the browser
// closes.
func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	sess, ok := s.formSession(w, r, "/shop")
	if !ok {
		return
	}
	f := r.PostForm
	u, err := s.auth.Authenticate(r.Context(), f.Get("username"), f.Get("password"))
	if errors.Is(err, auth.ErrInvalidLogin) {
		hint := ""
		if s.accounts {
			hint = " Try alice / wonderland."
		}
		note(r, true, "Wrong username or password."+hint)
		back(w, r, "/shop")
		return
	}
	if err == nil {
		err = s.auth.Login(r.Context(), sess, u)
	}
	if err != nil {
		http.Error(w, "logging in failed: "+err.Error(), http.StatusInternalServerError)
		return
	}
	if f.Get("remember") != "" {
		sess.SetExpiry(rememberFor)
		note(r, false, fmt.Sprintf("Logged in as %s for two weeks: login() (cycle_key() and the _auth_user_* keys), then set_expiry(%d).", u.Username, int64(rememberFor/time.Second)))
	} else {
		sess.SetExpiryAtBrowserClose()
		note(r, false, fmt.Sprintf("Logged in as %s until the browser closes: login() (cycle_key() and the _auth_user_* keys), then set_expiry(0).", u.Username))
	}
	back(w, r, "/shop")
}

// logout is Django's logout: flush deletes the session and its cookie.
func (s *Server) logout(w http.ResponseWriter, r *http.Request) {
	sess, ok := s.formSession(w, r, "/shop")
	if !ok {
		return
	}
	if err := sess.Flush(); err != nil {
		http.Error(w, "logging out failed: "+err.Error(), http.StatusInternalServerError)
		return
	}
	note(r, false, "Logged out: request.session.flush() deleted the session and its cookie, cart included.")
	back(w, r, "/shop")
}

// logoutSession logs one of the user's other sessions out, by its id.
func (s *Server) logoutSession(w http.ResponseWriter, r *http.Request) {
	sess, ok := s.formSession(w, r, "/shop")
	if !ok {
		return
	}
	uid, _ := sessionkit.Get[string](sess, userKey)
	if uid == "" {
		note(r, true, "Log in first.")
		back(w, r, "/shop")
		return
	}
	done, err := s.m.DeleteUserSession(r.Context(), uid, r.PostFormValue("id"))
	switch {
	case errors.Is(err, errors.ErrUnsupported):
		note(r, true, "This engine keeps no per-user index, so it cannot log out one session.")
	case err != nil:
		note(r, true, "Logging out the session failed: "+err.Error())
	case !done:
		note(r, true, "No such session of yours: it has ended already.")
	default:
		note(r, false, "Logged out that session.")
	}
	back(w, r, "/shop")
}

// logoutOthers deletes every other session of the logged-in user.
func (s *Server) logoutOthers(w http.ResponseWriter, r *http.Request) {
	sess, ok := s.formSession(w, r, "/shop")
	if !ok {
		return
	}
	if uid, _ := sessionkit.Get[string](sess, userKey); uid == "" {
		note(r, true, "Log in first.")
		back(w, r, "/shop")
		return
	}
	n, err := s.m.DeleteOtherSessions(r.Context(), sess)
	switch {
	case errors.Is(err, errors.ErrUnsupported):
		note(r, true, "This engine keeps no per-user index, so it cannot log out the other sessions.")
	case err != nil:
		note(r, true, "Logging out the other sessions failed: "+err.Error())
	default:
		if n == 0 && s.m.Revocations != nil {
			note(r, false, "Logged out every other session.")
			break
		}
		note(r, false, "Logged out "+strconv.FormatInt(n, 10)+" other session(s).")
	}
	back(w, r, "/shop")
}
