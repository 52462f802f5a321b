// This file names the ELF constants bpfc reads and writes (the System V
// gABI's and the BPF ABI's), with String methods for messages.

package elffile

import "strconv"

// Sizes of the ELF structures.
const (
	identSize     = 16
	Header64Size  = 64 // Elf64_Ehdr
	Header32Size  = 52 // Elf32_Ehdr
	Section64Size = 64 // Elf64_Shdr
	Section32Size = 40 // Elf32_Shdr
	Prog64Size    = 56 // Elf64_Phdr
	Prog32Size    = 32 // Elf32_Phdr
	Sym64Size     = 24 // Elf64_Sym
	Sym32Size     = 16 // Elf32_Sym
	Rel64Size     = 16 // Elf64_Rel
	Rela64Size    = 24 // Elf64_Rela
	Rel32Size     = 8  // Elf32_Rel
	Rela32Size    = 12 // Elf32_Rela
)

// Magic is the four bytes every ELF file starts with.
const Magic = "\x7fELF"

// Offsets in e_ident.
const (
	EI_CLASS   = 4
	EI_DATA    = 5
	EI_VERSION = 6
	EI_OSABI   = 7
)

// EV_CURRENT is the only ELF version (e_ident[EI_VERSION], e_version).
const EV_CURRENT = 1

// Class is e_ident[EI_CLASS]: the file's word size.
type Class byte

// The classes.
const (
	ELFCLASS32 Class = 1
	ELFCLASS64 Class = 2
)

func (c Class) String() string {
	switch c {
	case ELFCLASS32:
		return "ELFCLASS32"
	case ELFCLASS64:
		return "ELFCLASS64"
	}
	return "ELFCLASS(" + strconv.Itoa(int(c)) + ")"
}

// Data is e_ident[EI_DATA]: the file's byte order.
type Data byte

// The byte orders.
const (
	ELFDATA2LSB Data = 1 // little endian
	ELFDATA2MSB Data = 2 // big endian
)

func (d Data) String() string {
	switch d {
	case ELFDATA2LSB:
		return "ELFDATA2LSB"
	case ELFDATA2MSB:
		return "ELFDATA2MSB"
	}
	return "ELFDATA(" + strconv.Itoa(int(d)) + ")"
}

// Type is e_type: what kind of file it is.
type Type uint16

// The file types.
const (
	ET_NONE Type = 0
	ET_REL  Type = 1 // relocatable object
	ET_EXEC Type = 2 // executable
	ET_DYN  Type = 3 // shared object or position-independent executable
	ET_CORE Type = 4
)

func (t Type) String() string {
	switch t {
	case ET_NONE:
		return "ET_NONE"
	case ET_REL:
		return "ET_REL"
	case ET_EXEC:
		return "ET_EXEC"
	case ET_DYN:
		return "ET_DYN"
	case ET_CORE:
		return "ET_CORE"
	}
	return "ET(" + strconv.Itoa(int(t)) + ")"
}

// Machine is e_machine: the instruction set.
type Machine uint16

// The machines named in messages (EM_BPF is the one bpfc loads).
const (
	EM_NONE      Machine = 0
	EM_386       Machine = 3
	EM_MIPS      Machine = 8
	EM_PPC       Machine = 20
	EM_PPC64     Machine = 21
	EM_S390      Machine = 22
	EM_ARM       Machine = 40
	EM_X86_64    Machine = 62
	EM_AARCH64   Machine = 183
	EM_RISCV     Machine = 243
	EM_BPF       Machine = 247
	EM_LOONGARCH Machine = 258
)

func (m Machine) String() string {
	switch m {
	case EM_NONE:
		return "EM_NONE"
	case EM_386:
		return "EM_386"
	case EM_MIPS:
		return "EM_MIPS"
	case EM_PPC:
		return "EM_PPC"
	case EM_PPC64:
		return "EM_PPC64"
	case EM_S390:
		return "EM_S390"
	case EM_ARM:
		return "EM_ARM"
	case EM_X86_64:
		return "EM_X86_64"
	case EM_AARCH64:
		return "EM_AARCH64"
	case EM_RISCV:
		return "EM_RISCV"
	case EM_BPF:
		return "EM_BPF"
	case EM_LOONGARCH:
		return "EM_LOONGARCH"
	}
	return "EM(" + strconv.Itoa(int(m)) + ")"
}

// SectionType is sh_type.
type SectionType uint32

// The section types.
const (
	SHT_NULL        SectionType = 0
	SHT_PROGBITS    SectionType = 1
	SHT_SYMTAB      SectionType = 2
	SHT_STRTAB      SectionType = 3
	SHT_RELA        SectionType = 4
	SHT_HASH        SectionType = 5
	SHT_DYNAMIC     SectionType = 6
	SHT_NOTE        SectionType = 7
	SHT_NOBITS      SectionType = 8
	SHT_REL         SectionType = 9
	SHT_DYNSYM      SectionType = 11
	SHT_GNU_VERDEF  SectionType = 0x6ffffffd
	SHT_GNU_VERNEED SectionType = 0x6ffffffe
	SHT_GNU_VERSYM  SectionType = 0x6fffffff
)

func (t SectionType) String() string {
	switch t {
	case SHT_NULL:
		return "SHT_NULL"
	case SHT_PROGBITS:
		return "SHT_PROGBITS"
	case SHT_SYMTAB:
		return "SHT_SYMTAB"
	case SHT_STRTAB:
		return "SHT_STRTAB"
	case SHT_RELA:
		return "SHT_RELA"
	case SHT_HASH:
		return "SHT_HASH"
	case SHT_DYNAMIC:
		return "SHT_DYNAMIC"
	case SHT_NOTE:
		return "SHT_NOTE"
	case SHT_NOBITS:
		return "SHT_NOBITS"
	case SHT_REL:
		return "SHT_REL"
	case SHT_DYNSYM:
		return "SHT_DYNSYM"
	case SHT_GNU_VERDEF:
		return "SHT_GNU_VERDEF"
	case SHT_GNU_VERNEED:
		return "SHT_GNU_VERNEED"
	case SHT_GNU_VERSYM:
		return "SHT_GNU_VERSYM"
	}
	return "SHT(0x" + strconv.FormatUint(uint64(t), 16) + ")"
}

// SectionFlag is sh_flags.
type SectionFlag uint64

// The section flags.
const (
	SHF_WRITE      SectionFlag = 0x1
	SHF_ALLOC      SectionFlag = 0x2
	SHF_EXECINSTR  SectionFlag = 0x4
	SHF_INFO_LINK  SectionFlag = 0x40 // sh_info is a section index
	SHF_COMPRESSED SectionFlag = 0x800
)

// SectionIndex is a section index where one may be reserved (st_shndx).
type SectionIndex uint16

// The reserved section indexes.
const (
	SHN_UNDEF     SectionIndex = 0
	SHN_LORESERVE SectionIndex = 0xff00
	SHN_ABS       SectionIndex = 0xfff1
	SHN_COMMON    SectionIndex = 0xfff2
	SHN_XINDEX    SectionIndex = 0xffff
)

// SymBind is a symbol's binding (the high nibble of st_info).
type SymBind byte

// The symbol bindings.
const (
	STB_LOCAL  SymBind = 0
	STB_GLOBAL SymBind = 1
	STB_WEAK   SymBind = 2
)

func (b SymBind) String() string {
	switch b {
	case STB_LOCAL:
		return "STB_LOCAL"
	case STB_GLOBAL:
		return "STB_GLOBAL"
	case STB_WEAK:
		return "STB_WEAK"
	}
	return "STB(" + strconv.Itoa(int(b)) + ")"
}

// SymType is a symbol's type (the low nibble of st_info).
type SymType byte

// The symbol types.
const (
	STT_NOTYPE  SymType = 0
	STT_OBJECT  SymType = 1
	STT_FUNC    SymType = 2
	STT_SECTION SymType = 3
	STT_FILE    SymType = 4
)

func (t SymType) String() string {
	switch t {
	case STT_NOTYPE:
		return "STT_NOTYPE"
	case STT_OBJECT:
		return "STT_OBJECT"
	case STT_FUNC:
		return "STT_FUNC"
	case STT_SECTION:
		return "STT_SECTION"
	case STT_FILE:
		return "STT_FILE"
	}
	return "STT(" + strconv.Itoa(int(t)) + ")"
}

// SymVis is a symbol's visibility (the low two bits of st_other).
type SymVis byte

// The symbol visibilities.
const (
	STV_DEFAULT   SymVis = 0
	STV_INTERNAL  SymVis = 1
	STV_HIDDEN    SymVis = 2
	STV_PROTECTED SymVis = 3
)

// SymInfo is st_info of a symbol of binding b and type t.
func SymInfo(b SymBind, t SymType) byte { return byte(b)<<4 | byte(t)&0xf }

// ProgType is p_type.
type ProgType uint32

// PT_LOAD is the type of a loadable segment.
const PT_LOAD ProgType = 1

// ProgFlag is p_flags.
type ProgFlag uint32

// The segment permissions.
const (
	PF_X ProgFlag = 0x1
	PF_W ProgFlag = 0x2
	PF_R ProgFlag = 0x4
)

// Relocation types of the BPF ABI (llvm's ELFRelocs/BPF.def).
const (
	R_BPF_NONE        = 0
	R_BPF_64_64       = 1  // ld_imm64 of an address
	R_BPF_64_ABS64    = 2  // 64-bit data (.maps .values slots, debug info)
	R_BPF_64_ABS32    = 3  // 32-bit data
	R_BPF_64_NODYLD32 = 4  // .BTF, .BTF.ext, debug info: not applied at load
	R_BPF_64_32       = 10 // call
)
