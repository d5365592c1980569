/* tree: a known process tree.  Children exit with 0, 1, 2 and 3; one is
 * killed by SIGTERM; one runs a thread; one execs itself as "leaf 7"
 * (exit 7); one forks a grandchild that exits 9.  Prints
 * "child PID KIND EXPECTED" for every process it creates. */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>
#include "workload.h"

static void *thread_main(void *arg)
{
	(void)arg;
	getppid();
	return NULL;
}

static pid_t spawn(const char *kind, const char *expect)
{
	pid_t c;

	fflush(stdout);
	c = fork();
	if (c < 0)
		die_errno("fork");
	if (c > 0)
		printf("child %d %s %s\n", (int)c, kind, expect);
	return c;
}

int main(int argc, char **argv)
{
	int code, st;
	pid_t c;

	if (argc == 3 && strcmp(argv[1], "leaf") == 0)
		return (int)arg_long(argv[2], "code");
	printf("parent %d\n", (int)getpid());
	for (code = 0; code < 4; code++) {
		char e[16];
		snprintf(e, sizeof(e), "exit:%d", code);
		if (spawn("exit", e) == 0)
			_exit(code);
	}
	if (spawn("signal", "signal:15") == 0) {
		raise(SIGTERM);
		_exit(100);
	}
	if (spawn("thread", "exit:0") == 0) {
		pthread_t t;
		if (pthread_create(&t, NULL, thread_main, NULL) || pthread_join(t, NULL))
			_exit(101);
		_exit(0);
	}
	if (spawn("exec", "exit:7") == 0) {
		execl("/proc/self/exe", "tree", "leaf", "7", (char *)NULL);
		_exit(102);
	}
	if ((c = spawn("forker", "exit:0")) == 0) {
		pid_t g = fork();
		if (g == 0)
			_exit(9);
		printf("grandchild %d exit:9\n", (int)g);
		fflush(stdout);
		waitpid(g, &st, 0);
		_exit(WIFEXITED(st) && WEXITSTATUS(st) == 9 ? 0 : 103);
	}
	fflush(stdout);
	while (wait(&st) > 0)
		;
	return 0;
}
