// #19: ns per pcre2_match() of each regex, interpreted and JIT (nginx runs them interpreted unless pcre_jit on).
// Input lines "<subject>\t<regex>"; best of 5 x 10^6 matches.
// gcc -O2 -o /tmp/pcre_match_ns benchmarks/pcre_match_ns.c -lpcre2-8
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
static double now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec + t.tv_nsec / 1e9; }
int main(void) {
    char line[8192];
    while (fgets(line, sizeof line, stdin)) {
        line[strcspn(line, "\n")] = 0;
        char *tab = strchr(line, '\t'); if (!tab) continue; *tab = 0;
        const char *subj = line, *pat = tab + 1;
        for (int jit = 0; jit < 2; jit++) {
            int err; PCRE2_SIZE off;
            pcre2_code *re = pcre2_compile((PCRE2_SPTR)pat, PCRE2_ZERO_TERMINATED, 0, &err, &off, NULL);
            if (!re) { printf("compile error at %zu\n", off); return 1; }
            if (jit) pcre2_jit_compile(re, PCRE2_JIT_COMPLETE);
            pcre2_match_data *md = pcre2_match_data_create_from_pattern(re, NULL);
            size_t n = 1000000, len = strlen(subj); int rc = 0; double best = 1e9;
            for (int r = 0; r < 5; r++) {
                double t = now();
                for (size_t i = 0; i < n; i++) rc = pcre2_match(re, (PCRE2_SPTR)subj, len, 0, 0, md, NULL);
                double per = (now() - t) / n * 1e9; if (per < best) best = per;
            }
            printf("%s rc=%3d %7.0f ns  %.100s\n", jit ? "jit" : "int", rc, best, pat);
            pcre2_match_data_free(md); pcre2_code_free(re);
        }
    }
    return 0;
}
