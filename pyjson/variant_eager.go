//go:build pyjson_eager

package pyjson

const lazyValues = false
