/*
 * usl_fit_cli.c - the report's USL fit on standard input, for usl_crosscheck.py: reads
 * data sets of lines "N X", separated by blank lines, and prints for each one line
 * "status sigma kappa gamma r2 sse" (%.17g), status being the enum's number.
 */
#include <stdio.h>
#include <string.h>

#include "usl.h"

#define MAXP 64

static void fit_and_print(const double *n, const double *x, size_t k)
{
    struct pcb_usl u;

    pcb_usl_fit(n, x, k, &u);
    printf("%d %.17g %.17g %.17g %.17g %.17g\n", (int)u.status, u.sigma, u.kappa, u.gamma, u.r2,
           u.sse);
}

int main(void)
{
    char line[256];
    double n[MAXP], x[MAXP];
    size_t k = 0;

    while (fgets(line, sizeof(line), stdin)) {
        if (strspn(line, " \t\r\n") == strlen(line)) {
            if (k)
                fit_and_print(n, x, k);
            k = 0;
            continue;
        }
        if (k == MAXP || sscanf(line, "%lf %lf", &n[k], &x[k]) != 2) {
            fprintf(stderr, "usl_fit_cli: bad line: %s", line);
            return 2;
        }
        k++;
    }
    if (k)
        fit_and_print(n, x, k);
    return 0;
}
