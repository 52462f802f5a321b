// Package skel writes the light skeletons of a generated loader
// (loaderprog.Loader): a Go file that embeds the loader and runs it with
// package rt (WriteGo), a C header with the API of bpftool's
// `gen skeleton -L` (WriteC), or the raw blob and instructions with a JSON
// manifest for other tools (WriteRaw). The emitters read only the Loader
// and the IR it was generated from.
//
// Files: golang.go, c.go and raw.go are the three emitters; layout.go
// mirrors global-data maps as Go and C structs and names identifiers.
package skel
