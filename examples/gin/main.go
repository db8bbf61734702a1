// Command gin is the shop on gin: log in, a cart and flash messages, kept
// in a sessionkit session.
//
// The session Middleware wraps the whole gin.Engine (an http.Handler), so
// that it sees every response before its first byte, whatever gin's
// handlers and middlewares write; handlers reach the session through
// c.Request.
package main

import (
	"log"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/sessionkit/sessionkit"
	"github.com/sessionkit/sessionkit/examples/flash"
	"github.com/sessionkit/sessionkit/examples/internal/shop"
	"github.com/sessionkit/sessionkit/store/memstore"
)

func main() {
	m := sessionkit.New(memstore.New(0))
	log.Fatal(http.ListenAndServe("127.0.0.1:8080", newApp(m)))
}

func newApp(m *sessionkit.Manager) http.Handler {
	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	r.Use(gin.Recovery())
	r.GET("/", home)
	r.POST("/login", login)
	r.POST("/logout", logout)
	r.POST("/cart", addToCart)
	return m.Middleware(r)
}

// session returns the request's session; the Middleware always gives one.
func session(c *gin.Context) *sessionkit.Session {
	s, _ := sessionkit.FromRequest(c.Request)
	return s
}

func home(c *gin.Context) {
	s := session(c)
	user, _ := sessionkit.Get[string](s, sessionkit.UserIDKey)
	cart, _ := sessionkit.Get[[]string](s, "cart")
	c.JSON(http.StatusOK, shop.Page{User: user, Cart: cart, Messages: flash.Pop(s)})
}

func login(c *gin.Context) {
	u, ok := shop.Authenticate(c.PostForm("username"), c.PostForm("password"))
	if !ok {
		c.String(http.StatusUnauthorized, "wrong user name or password")
		return
	}
	s := session(c)
	if err := s.CycleKey(); err != nil { // a new key at login: no session fixation
		c.String(http.StatusInternalServerError, "the session could not be saved")
		return
	}
	s.Set(sessionkit.UserIDKey, u.ID)
	flash.Add(s, "Welcome, "+u.Name+".")
	c.Redirect(http.StatusSeeOther, "/")
}

func logout(c *gin.Context) {
	if err := session(c).Flush(); err != nil {
		c.String(http.StatusInternalServerError, "the session could not be deleted")
		return
	}
	c.Redirect(http.StatusSeeOther, "/")
}

func addToCart(c *gin.Context) {
	sku := c.PostForm("sku")
	if sku == "" {
		c.String(http.StatusBadRequest, "sku is required")
		return
	}
	s := session(c)
	cart, _ := sessionkit.Get[[]string](s, "cart")
	s.Set("cart", append(cart, sku))
	flash.Add(s, "Added "+sku+" to your cart.")
	c.Redirect(http.StatusSeeOther, "/")
}
