// Command echo is the shop on Echo: log in, a cart and flash messages,
// kept in a sessionkit session.
//
// The session Middleware wraps the whole *echo.Echo (an http.Handler), so
// that it sees every response before its first byte — the error
// handler's too; handlers reach the session through c.Request().
package main

import (
	"log"
	"net/http"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"

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
	e := echo.New()
	e.HideBanner = true
	e.Use(middleware.Recover())
	e.GET("/", home)
	e.POST("/login", login)
	e.POST("/logout", logout)
	e.POST("/cart", addToCart)
	return m.Middleware(e)
}

// session returns the request's session; the Middleware always gives one.
func session(c echo.Context) *sessionkit.Session {
	s, _ := sessionkit.FromRequest(c.Request())
	return s
}

func home(c echo.Context) error {
	s := session(c)
	user, _ := sessionkit.Get[string](s, sessionkit.UserIDKey)
	cart, _ := sessionkit.Get[[]string](s, "cart")
	return c.JSON(http.StatusOK, shop.Page{User: user, Cart: cart, Messages: flash.Pop(s)})
}

func login(c echo.Context) error {
	u, ok := shop.Authenticate(c.FormValue("username"), c.FormValue("password"))
	if !ok {
		return echo.NewHTTPError(http.StatusUnauthorized, "wrong user name or password")
	}
	s := session(c)
	if err := s.CycleKey(); err != nil { // a new key at login: no session fixation
		return err
	}
	s.Set(sessionkit.UserIDKey, u.ID)
	flash.Add(s, "Welcome, "+u.Name+".")
	return c.Redirect(http.StatusSeeOther, "/")
}

func logout(c echo.Context) error {
	if err := session(c).Flush(); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/")
}

func addToCart(c echo.Context) error {
	sku := c.FormValue("sku")
	if sku == "" {
		return echo.NewHTTPError(http.StatusBadRequest, "sku is required")
	}
	s := session(c)
	cart, _ := sessionkit.Get[[]string](s, "cart")
	s.Set("cart", append(cart, sku))
	flash.Add(s, "Added "+sku+" to your cart.")
	return c.Redirect(http.StatusSeeOther, "/")
}
