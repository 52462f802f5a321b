// Package btf reads, edits and writes BPF Type Format (BTF) data and the
// .BTF.ext records (func_info, line_info, CO-RE relocations) that clang emits
// beside it.
//
// A [Spec] is a type graph addressed by [TypeID]. Parsing is lazy: [Parse]
// validates the header and makes a single pass over the type section,
// checking each type's framing and noting where every 32nd type starts
// (the offset of every type is recorded on first need, at once for small
// blobs); a type is decoded into a [Type] only when [Spec.Type] asks for
// it, and the result is cached. Names and kinds can be read without
// decoding ([Spec.TypeName], [Spec.TypeKind]). Name lookups
// ([Spec.FindByName], [Spec.FindByNameKind], [Spec.FindByEssentialName])
// first scan: search the string section for the name, then the types for
// that name offset; after a few lookups of the same kinds they build a
// compact hash index and use it. This keeps the kernel's vmlinux BTF,
// several megabytes and over a hundred thousand types, cheap to open and
// cheap to ask a few questions of: see [LoadKernel].
//
// A parsed Spec retains the bytes it was parsed from (strings returned by it
// point into them), so those bytes must not be modified afterwards.
//
// Concurrency: all read-only methods of a Spec may be called from several
// goroutines at once. [Spec.Set] and [Spec.Add] modify the Spec and must not
// run concurrently with any other method on the same Spec. [Type] values
// returned by [Spec.Type] are shared and must be treated as read-only; use
// [Type.Copy] before changing one.
package btf
