// Package pipefuzz holds robustness tests of the whole pipeline (frontend,
// every pass, loader generation and the skeleton emitters) on mutated test
// objects. It has no code of its own; see its tests.
package pipefuzz
