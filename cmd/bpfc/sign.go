// This file implements the signing flags' helpers: -keyring's value, and
// the runs of the bpfc-sign program (cmd/bpfc-sign), which signs loaders
// for -sign-key and checks skeletons for -verify-sig: the cryptography is
// there so that bpfc links no crypto package, whose initialisation and
// pages every bpfc run, plain loads included, would pay.

package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/bpfc/bpfc/backend/loaderprog"
)

// keyringFlag is -keyring: a keyring serial, a special keyring by name,
// or a system keyring.
type keyringFlag struct {
	id  int32
	set bool
}

// keyringNames are the special and system keyrings -keyring knows by name
// (linux/keyctl.h KEY_SPEC_*, and the kernel's VERIFY_USE_* ids). A table
// the linker lays out, not a map: a map would be built at every start.
var keyringNames = [...]struct {
	name string
	id   int32
}{
	{"session", -3}, {"user", -4}, {"process", -2}, {"thread", -1}, {"user-session", -5},
	{"builtin", 0}, {"secondary", 1}, {"platform", 2},
}

func (k *keyringFlag) String() string { return strconv.Itoa(int(k.id)) }
func (k *keyringFlag) Set(v string) error {
	for _, kr := range keyringNames {
		if kr.name == v {
			k.id, k.set = kr.id, true
			return nil
		}
	}
	n, err := strconv.ParseInt(v, 0, 32)
	if err != nil {
		names := make([]string, len(keyringNames))
		for i, kr := range keyringNames {
			names[i] = kr.name
		}
		return fmt.Errorf("want a keyring serial or one of %s", strings.Join(names, ", "))
	}
	k.id, k.set = int32(n), true
	return nil
}

// verifySig checks the skeleton -verify-sig names against -sign-cert,
// with bpfc-sign.
func verifySig(c *config, stdout io.Writer) error {
	out, err := runSigner(nil, "-verify-sig", c.verifySig, "-sign-cert", c.signCert)
	if err != nil {
		return err
	}
	_, err = stdout.Write(out)
	return err
}

// signLoader signs l's instructions with -sign-key and -sign-cert, with
// bpfc-sign.
func signLoader(c *config, l *loaderprog.Loader) error {
	if err := l.Signable(); err != nil {
		return err
	}
	sig, err := runSigner(l.InsnBytes(), "-sign-key", c.signKey, "-sign-cert", c.signCert)
	if err != nil {
		return fmt.Errorf("sign loader of %s: %w", l.Object, err)
	}
	return l.SetSignature(sig)
}

// envSigner names the bpfc-sign program to run instead of the one beside
// bpfc's executable or in PATH.
const envSigner = "BPFC_SIGN"

// signerPath finds the bpfc-sign program: $BPFC_SIGN, else beside bpfc's
// own executable, else in PATH.
func signerPath() (string, error) {
	if p := os.Getenv(envSigner); p != "" {
		return p, nil
	}
	var tried []string
	if exe, err := os.Executable(); err == nil {
		p := filepath.Join(filepath.Dir(exe), "bpfc-sign")
		if isExecutable(p) {
			return p, nil
		}
		tried = append(tried, p)
	}
	for _, dir := range filepath.SplitList(os.Getenv("PATH")) {
		if dir == "" {
			dir = "."
		}
		if p := filepath.Join(dir, "bpfc-sign"); isExecutable(p) {
			return p, nil
		}
	}
	tried = append(tried, "PATH")
	return "", fmt.Errorf("signing needs the bpfc-sign program (go install github.com/bpfc/bpfc/cmd/bpfc-sign), not found (looked in %s; $%s names another)", strings.Join(tried, ", "), envSigner)
}

// isExecutable reports whether p is a regular file someone may execute.
func isExecutable(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.Mode().IsRegular() && st.Mode()&0o111 != 0
}

// runSigner runs bpfc-sign with args and stdin as its standard input, and
// returns its standard output; a failure is an error with what it printed
// on its standard error.
func runSigner(stdin []byte, args ...string) ([]byte, error) {
	path, err := signerPath()
	if err != nil {
		return nil, err
	}
	inR, inW, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	outR, outW, err := os.Pipe()
	if err != nil {
		inR.Close()
		inW.Close()
		return nil, err
	}
	errR, errW, err := os.Pipe()
	if err != nil {
		inR.Close()
		inW.Close()
		outR.Close()
		outW.Close()
		return nil, err
	}
	proc, err := os.StartProcess(path, append([]string{path}, args...), &os.ProcAttr{Files: []*os.File{inR, outW, errW}})
	// The child has its ends.
	inR.Close()
	outW.Close()
	errW.Close()
	if err != nil {
		inW.Close()
		outR.Close()
		errR.Close()
		return nil, fmt.Errorf("bpfc-sign: %w", err)
	}
	go func() {
		inW.Write(stdin) // a child that stops reading gets EPIPE's signal
		inW.Close()
	}()
	errc := make(chan []byte, 1)
	go func() {
		b, _ := io.ReadAll(errR)
		errR.Close()
		errc <- b
	}()
	out, readErr := io.ReadAll(outR)
	outR.Close()
	errOut := <-errc
	state, err := proc.Wait()
	if err != nil {
		return nil, fmt.Errorf("bpfc-sign: %w", err)
	}
	if !state.Success() {
		msg := strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(string(errOut)), "bpfc-sign: "))
		if msg == "" {
			msg = state.String()
		}
		return nil, errors.New(msg)
	}
	if readErr != nil {
		return nil, fmt.Errorf("bpfc-sign: %w", readErr)
	}
	return out, nil
}
