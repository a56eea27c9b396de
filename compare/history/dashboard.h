/*
 * dashboard.h - pcbench-history html: the history as one static page, with the renderer every
 * pcbench page uses (compare/html.h).
 */
#ifndef PCB_DASHBOARD_H
#define PCB_DASHBOARD_H

#include "changepoint.h"
#include "history.h"

/* The change points of one series (pcb_cp_detect() over its values). */
int pcb_hist_judge(const struct pcb_hdb_series *s, struct pcb_cp_change *out, size_t cap);

/*
 * Writes DIR/index.html: a filter bar (strategy, workload), the latest run's strategy
 * comparison, and one chart per series with its change points marked. DIR is made when missing
 * (its parent must exist); an index.html in it that pcbench did not write is never replaced.
 * The page is written whole or not at all. Returns 0 or -1 with one line in err.
 */
int pcb_hist_dashboard(const struct pcb_hdb_series *s, size_t n, const char *metric,
                       const char *dir, char *err);

#endif
