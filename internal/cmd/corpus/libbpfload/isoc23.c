/* isoc23.c: the C23 entry points of glibc 2.38+ that Debian sid's static
 * libbpf.a calls, for linking it against an older glibc (bookworm's 2.36).
 * They differ from the C99 ones only in also parsing 0b binary numbers,
 * which libbpf does not read. The runner links this file only when the
 * link fails without it.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

int __isoc23_sscanf(const char *s, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsscanf(s, fmt, ap);
	va_end(ap);
	return n;
}

int __isoc23_fscanf(FILE *f, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vfscanf(f, fmt, ap);
	va_end(ap);
	return n;
}

unsigned long long __isoc23_strtoull(const char *s, char **end, int base)
{
	return strtoull(s, end, base);
}
