// Package shop is what the example applications share: their users.
package shop

// A User can log in.
type User struct {
	ID       string
	Name     string
	password string
}

var users = map[string]User{
	"alice": {ID: "1", Name: "alice", password: "wonderland"},
	"bob":   {ID: "2", Name: "bob", password: "builder"},
}

// Authenticate returns the user with that name and password. (A real
// application compares password hashes, in constant time.)
func Authenticate(name, password string) (User, bool) {
	u, ok := users[name]
	return u, ok && u.password == password
}

// Page is what every example application's home page answers, as JSON.
type Page struct {
	User     string   `json:"user"`
	Cart     []string `json:"cart"`
	Messages []string `json:"messages"`
}
