/* spawn.c: runs one command as a fresh process and reports what the whole
 * process cost: wall time from just before the fork to just after wait4,
 * the child's user and system CPU time and its peak RSS (wait4's
 * rusage). It is the process starter of the cold benchmark (see
 * ../README.md, "Cold start").
 *
 * Build:
 *
 *	gcc -O2 -o spawn spawn.c
 *
 * Usage:
 *
 *	spawn CMD [ARG...]
 *
 * The command's standard output and error go to /dev/null (to the
 * spawner's own with SPAWN_VERBOSE set); its standard input is /dev/null.
 * spawn prints one line:
 *
 *	wall_ns=W user_ns=U sys_ns=S maxrss_kb=R status=X
 *
 * and exits 0 if the command exited 0, else 1 (the line is printed either
 * way; status is the command's exit status, or 128+signal).
 *
 * Why a C starter: Linux takes a process's peak RSS over every address
 * space it has had, and a child started by vfork (Go's os/exec) or fork
 * counts its parent's pages until it calls exec. Started from a Go test
 * binary a command would report the Go binary's peak RSS; started from
 * this small program it reports its own (the floor is this program's,
 * below 1 MB: see the benchmark's /bin/true row).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static unsigned long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (unsigned long long)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static unsigned long long tv_ns(struct timeval tv)
{
	return (unsigned long long)tv.tv_sec * 1000000000ULL + (unsigned long long)tv.tv_usec * 1000ULL;
}

int main(int argc, char **argv)
{
	unsigned long long t0, t1;
	struct rusage ru;
	int null, status, code;
	pid_t pid;

	if (argc < 2) {
		fprintf(stderr, "usage: %s CMD [ARG...]\n", argv[0]);
		return 2;
	}
	null = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (null < 0) {
		fprintf(stderr, "spawn: /dev/null: %s\n", strerror(errno));
		return 2;
	}
	fflush(stdout);
	t0 = now_ns();
	pid = vfork();
	if (pid < 0) {
		fprintf(stderr, "spawn: vfork: %s\n", strerror(errno));
		return 2;
	}
	if (pid == 0) {
		dup2(null, 0);
		if (!getenv("SPAWN_VERBOSE")) {
			dup2(null, 1);
			dup2(null, 2);
		}
		execv(argv[1], argv + 1);
		_exit(127);
	}
	if (wait4(pid, &status, 0, &ru) < 0) {
		fprintf(stderr, "spawn: wait4: %s\n", strerror(errno));
		return 2;
	}
	t1 = now_ns();
	if (WIFEXITED(status))
		code = WEXITSTATUS(status);
	else if (WIFSIGNALED(status))
		code = 128 + WTERMSIG(status);
	else
		code = 255;
	printf("wall_ns=%llu user_ns=%llu sys_ns=%llu maxrss_kb=%ld status=%d\n",
	       t1 - t0, tv_ns(ru.ru_utime), tv_ns(ru.ru_stime), ru.ru_maxrss, code);
	return code != 0;
}
