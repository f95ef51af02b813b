// #19: ns per write() of one log line (argv[2] bytes, 250 by default) to argv[1], an O_APPEND file, or "-" for
// stdout (e.g. a pipe: /tmp/write_ns - 250 | cat >/dev/null); best of 5 x 200,000.
// gcc -O2 -o /tmp/write_ns benchmarks/write_ns.c
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
static double now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec + t.tv_nsec / 1e9; }
int main(int argc, char **argv) {
    int fd = strcmp(argv[1], "-") == 0 ? 1 : open(argv[1], O_WRONLY | O_CREAT | O_APPEND, 0644);
    size_t len = argc > 2 ? (size_t)atoi(argv[2]) : 250;
    char line[65536]; memset(line, 'x', sizeof line); line[len - 1] = '\n';
    double best = 1e9; int n = 200000;
    for (int r = 0; r < 5; r++) {
        double t = now();
        for (int i = 0; i < n; i++) if (write(fd, line, len) != (ssize_t)len) return 1;
        double per = (now() - t) / n * 1e9; if (per < best) best = per;
        if (fd != 1) ftruncate(fd, 0);
    }
    fprintf(stderr, "%s: %zu-byte write %.0f ns\n", argv[1], len, best);
    return 0;
}
