// This file checks the probes' own BTF kind numbers against package btf's.

package features

import (
	"testing"

	"github.com/bpfc/bpfc/btf"
)

func TestBTFKindsMatchPackageBTF(t *testing.T) {
	for _, tc := range []struct {
		own  btfKind
		want btf.Kind
	}{
		{kindInt, btf.KindInt},
		{kindPtr, btf.KindPtr},
		{kindFunc, btf.KindFunc},
		{kindFuncProto, btf.KindFuncProto},
		{kindVar, btf.KindVar},
		{kindDatasec, btf.KindDatasec},
		{kindFloat, btf.KindFloat},
		{kindDeclTag, btf.KindDeclTag},
		{kindTypeTag, btf.KindTypeTag},
		{kindEnum64, btf.KindEnum64},
	} {
		if uint32(tc.own) != uint32(tc.want) {
			t.Errorf("features' kind %d is btf's %v (%d)", tc.own, tc.want, tc.want)
		}
	}
}
