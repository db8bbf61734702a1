//go:build pyjson_noskim

package pyjson

const useSkim = false
