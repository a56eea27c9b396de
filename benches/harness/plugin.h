/*
 * plugin.h - workloads from shared objects: --pcb_plugin=PATH, PCB_PLUGIN and
 * `pcbench run --plugin PATH`.
 */
#ifndef PCB_PLUGIN_H
#define PCB_PLUGIN_H

#include <stdbool.h>

/*
 * Loads every plugin that argv names with `flag` (`flag=PATH`, and also `flag PATH` when
 * `separate` is true) or, when argv names none, that PCB_PLUGIN lists (paths separated by ':',
 * empty items skipped), and registers their workloads. Returns 0, or 2 after one line on stderr
 * naming the plugin, or the workload, and what is wrong ("PROG: FLAG=PATH: ...").
 */
int pcb_plugins_load(int argc, char **argv, const char *prog, const char *flag, bool separate);

/* The loaded plugins' paths as given, separated by ':' ("" when none), for the JSON context. */
const char *pcb_plugins_loaded(void);

#endif
