// This file attaches a Collection's programs with the attach package: each
// program where its section says (Program.Attach, with options for the
// targets a section cannot name), or all of them at once as libbpf's
// skeleton __attach does (Collection.Attach).

package direct

import (
	"fmt"

	"github.com/bpfc/bpfc/attach"
)

// attachProgram describes p to the attach package.
func (c *Collection) attachProgram(p *Program) (*attach.Program, error) {
	ap := &attach.Program{
		Name: p.Name, Section: p.Section, Target: p.AttachTo,
		Type: p.Type, AttachType: p.AttachType,
		FD: p.FD(),
	}
	u, err := c.usdtState()
	if err != nil {
		return nil, err
	}
	ap.USDT = u
	return ap, nil
}

// usdtState returns the collection's USDT state when it has usdt.bpf.h's
// maps (nil otherwise), made once.
func (c *Collection) usdtState() (*attach.USDT, error) {
	if c.usdt != nil {
		return c.usdt, nil
	}
	specs, ok1 := c.Maps[attach.USDTSpecsMap]
	ips, ok2 := c.Maps[attach.USDTIPMap]
	if !ok1 || !ok2 {
		return nil, nil
	}
	u, err := attach.NewUSDT(specs.FD(), ips.FD())
	if err != nil {
		return nil, fmt.Errorf("%s: %w", c.Object, err)
	}
	c.usdt = u
	return u, nil
}

// AttachProgram attaches the program name where its section says, completed by opts
// (nil: none), e.g. the interface of an XDP program or the process of a
// uprobe. The Link is the caller's to close; closing the Collection does
// not detach it.
func (c *Collection) AttachProgram(name string, opts *attach.Options) (*attach.Link, error) {
	p, ok := c.Programs[name]
	if !ok {
		return nil, fmt.Errorf("%s: attach: no loaded program %q", c.Object, name)
	}
	ap, err := c.attachProgram(p)
	if err != nil {
		return nil, err
	}
	l, err := attach.Attach(ap, opts)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", c.Object, err)
	}
	return l, nil
}

// Attach attaches every loaded program whose section says where, as
// libbpf's skeleton __attach does, with opts (nil: none) for all of them,
// then registers every struct_ops map (AttachStructOps; their programs,
// which run as the maps' members, are neither in Links.Links nor in
// Links.Skipped).
// Programs that need a target from the caller (XDP, tc, cgroup programs,
// SEC("kprobe") without a function) are not attached and are listed in
// Links.Skipped; that is not an error. On error nothing stays attached.
func (c *Collection) Attach(opts *attach.Options) (*attach.Links, error) {
	progs := make([]*attach.Program, 0, len(c.ProgramOrder))
	for _, name := range c.ProgramOrder {
		ap, err := c.attachProgram(c.Programs[name])
		if err != nil {
			return nil, err
		}
		progs = append(progs, ap)
	}
	ls, err := attach.AttachAll(progs, opts)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", c.Object, err)
	}
	if err := c.attachStructOpsMaps(ls); err != nil {
		ls.Close()
		return nil, err
	}
	return ls, nil
}
