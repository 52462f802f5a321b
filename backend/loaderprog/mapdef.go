// This file holds the map definition fix-ups libbpf applies before
// BPF_MAP_CREATE, the same ones the direct backend applies, so that both
// backends create identical maps.
package loaderprog

import (
	"os"

	"github.com/bpfc/bpfc/internal/sys"
)

// keepsBTFTypes reports whether the kernel accepts BTF key/value type ids
// for maps of type t; libbpf clears them for the others.
func keepsBTFTypes(t sys.MapType) bool {
	switch t {
	case sys.MapTypePerfEventArray, sys.MapTypeCgroupArray, sys.MapTypeStackTrace,
		sys.MapTypeArrayOfMaps, sys.MapTypeHashOfMaps, sys.MapTypeDevmap,
		sys.MapTypeDevmapHash, sys.MapTypeCpumap, sys.MapTypeXskmap,
		sys.MapTypeSockmap, sys.MapTypeSockhash, sys.MapTypeQueue,
		sys.MapTypeStack, sys.MapTypeArena:
		return false
	}
	return true
}

// zeroEntriesOK reports map types whose max_entries may be 0.
func zeroEntriesOK(t sys.MapType) bool {
	switch t {
	case sys.MapTypeCgroupStorage, sys.MapTypePercpuCgroupStorage, sys.MapTypeSKStorage,
		sys.MapTypeInodeStorage, sys.MapTypeTaskStorage, sys.MapTypeCgrpStorage,
		sys.MapTypeStructOps:
		return true
	}
	return false
}

// ringbufSize rounds a ring buffer size up to a power-of-two multiple of
// the page size (of the generating machine), as the kernel requires.
func ringbufSize(sz uint32) uint32 {
	if sz == 0 {
		return 0
	}
	page := uint64(os.Getpagesize())
	for mul := uint64(1); mul*page <= 1<<31; mul <<= 1 {
		if mul*page >= uint64(sz) {
			return uint32(mul * page)
		}
	}
	return sz // too large: let the kernel refuse it
}
