// This file is temporary: it keeps the names of package uapi that
// backend/loaderprog still spells sys.X, until that package moves to uapi
// (after its split into files lands).

package sys

import "github.com/bpfc/bpfc/uapi"

// Type names of package uapi.
type (
	AttachType = uapi.AttachType
	HelperID   = uapi.HelperID
	MapFlags   = uapi.MapFlags
	MapType    = uapi.MapType
	ProgFlags  = uapi.ProgFlags
	ProgType   = uapi.ProgType
)

// Constants of package uapi.
const (
	HelperBTFFindByNameKind  = uapi.HelperBTFFindByNameKind
	HelperCopyFromUser       = uapi.HelperCopyFromUser
	HelperKallsymsLookupName = uapi.HelperKallsymsLookupName
	HelperMapLookupElem      = uapi.HelperMapLookupElem
	HelperProbeReadKernel    = uapi.HelperProbeReadKernel
	HelperSysBPF             = uapi.HelperSysBPF
	HelperSysClose           = uapi.HelperSysClose
	HelperTracePrintk        = uapi.HelperTracePrintk
	MapFlagMmapable          = uapi.MapFlagMmapable
	MapFlagRdonlyProg        = uapi.MapFlagRdonlyProg
	MapTypeArray             = uapi.MapTypeArray
	MapTypeArrayOfMaps       = uapi.MapTypeArrayOfMaps
	MapTypeHashOfMaps        = uapi.MapTypeHashOfMaps
	MapTypePerfEventArray    = uapi.MapTypePerfEventArray
	MapTypeProgArray         = uapi.MapTypeProgArray
	ProgFlagSleepable        = uapi.ProgFlagSleepable
	ProgTypeRawTracepoint    = uapi.ProgTypeRawTracepoint
	ProgTypeSchedCls         = uapi.ProgTypeSchedCls
	ProgTypeSocketFilter     = uapi.ProgTypeSocketFilter
	ProgTypeSyscall          = uapi.ProgTypeSyscall
	ProgTypeXDP              = uapi.ProgTypeXDP
)
