// Package btf reads, edits and writes BPF Type Format (BTF) data and the
// .BTF.ext records (func_info, line_info, CO-RE relocations) that clang emits
// beside it.
//
// A [Spec] is a type graph addressed by [TypeID]. Parsing is lazy: [Parse]
// validates the header and makes a single pass over the type section to
// record where each type starts; a type is decoded into a [Type] only when
// [Spec.Type] asks for it, and the result is cached. Names and kinds can be
// read without decoding ([Spec.TypeName], [Spec.TypeKind]). Name lookups
// ([Spec.FindByName], [Spec.FindByEssentialName]) use compact hash indexes
// that are built on first use. This keeps the kernel's vmlinux BTF, several
// megabytes and over a hundred thousand types, cheap to open: see
// [LoadKernel].
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
