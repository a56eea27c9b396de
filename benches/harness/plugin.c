/*
 * plugin.c - workloads from shared objects, for the stock pcbench.
 *
 * A plugin is a shared object with PCB_PLUGIN(array, count) in it (pcbench.h). It is built
 * without libpcbench: the pcbench that loads it exports pcbench.h's functions (pcb_now_ns() and
 * the rest) for it. Plugins are loaded first thing in pcbench_main(), before the options are
 * parsed (so --pcb_param and --benchmark_filter know their workloads), before any worker is
 * forked (so process pools inherit them), and by every process that runs pcbench_main() with
 * the same arguments and environment: the ranks of an mpirun job, the progress line's counting
 * child and the MPI listing child. They are never unloaded: their workloads are used to the end.
 *
 * Every refusal is one line naming the plugin (and the workload, when it is one workload's
 * fault) and exit status 2: a missing file, one dlopen() refuses, no PCB_PLUGIN symbol, another
 * interface version, a plugin given twice, and every rule of pcb_workload_register() for each
 * workload (the name, a duplicate, the parameter specs). Whether a workload's digests are
 * deterministic is checked when its input is first prepared (workload.h), as for any workload.
 */
#define _GNU_SOURCE
#include "plugin.h"

#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../../workloads/workload.h"
#include "../common/opts.h"

/* The most plugins one run loads. */
#define MAX_PLUGINS 16

/* The plugins loaded, by file identity (the same file under two names is one plugin). */
static struct {
    dev_t dev; /* st_dev of the file */
    ino_t ino; /* st_ino of the file */
} loaded[MAX_PLUGINS];
static size_t nloaded;
/* Their paths as given, ':'-separated, for the context. */
static char paths[8192];

static int load_one(const char *prog, const char *what, const char *path)
{
    const char *allowed = "expected the path of a shared object with PCB_PLUGIN() in it";
    char why[1024], origin[4200], file[4200];
    const struct pcb_plugin *pl;
    struct stat st;
    void *h;

    if (!*path)
        return pcb_opts_refuse(prog, what, path, allowed);
    if (stat(path, &st) != 0) {
        snprintf(why, sizeof(why), "%s; %s", strerror(errno), allowed);
        return pcb_opts_refuse(prog, what, path, why);
    }
    if (!S_ISREG(st.st_mode)) {
        snprintf(why, sizeof(why), "not a regular file; %s", allowed);
        return pcb_opts_refuse(prog, what, path, why);
    }
    for (size_t i = 0; i < nloaded; i++)
        if (loaded[i].dev == st.st_dev && loaded[i].ino == st.st_ino)
            return pcb_opts_refuse(prog, what, path, "this plugin is loaded already: give it once");
    if (nloaded == MAX_PLUGINS)
        return pcb_opts_refuse(prog, what, path, "at most 16 plugins per run");
    /* dlopen() looks a name without '/' up in the library path; the user named this file. */
    snprintf(file, sizeof(file), "%s%s", strchr(path, '/') ? "" : "./", path);
    if ((h = dlopen(file, RTLD_NOW | RTLD_LOCAL)) == NULL) {
        snprintf(why, sizeof(why), "cannot load it: %s", dlerror());
        return pcb_opts_refuse(prog, what, path, why);
    }
    if ((pl = dlsym(h, PCB_PLUGIN_SYMBOL)) == NULL) {
        dlclose(h);
        return pcb_opts_refuse(prog, what, path,
                               "no PCB_PLUGIN() in it (no symbol " PCB_PLUGIN_SYMBOL
                               "): not a pcbench plugin");
    }
    if (pl->abi != PCB_ABI_VERSION || pl->workload_size != sizeof(struct pcb_workload)) {
        snprintf(why, sizeof(why),
                 "built for plugin interface version %u (workloads of %u bytes), and this "
                 "pcbench has version %d (%zu bytes): rebuild it against this pcbench's pcbench.h",
                 pl->abi, pl->workload_size, PCB_ABI_VERSION, sizeof(struct pcb_workload));
        dlclose(h);
        return pcb_opts_refuse(prog, what, path, why);
    }
    if (!pl->workloads || pl->count == 0 || pl->count > PCB_MAX_USER_WORKLOADS) {
        dlclose(h);
        return pcb_opts_refuse(prog, what, path,
                               "PCB_PLUGIN() must declare 1 to " PCB_XSTR(
                                   PCB_MAX_USER_WORKLOADS) " workloads in an array");
    }
    snprintf(origin, sizeof(origin), "%s=%s", what, path);
    for (size_t i = 0; i < pl->count; i++) {
        int err = pcb__workload_add(&pl->workloads[i], origin);
        if (err == -ENOSPC)
            return pcb_opts_refuse(prog, what, path,
                                   "too many workloads: at most " PCB_XSTR(
                                       PCB_MAX_USER_WORKLOADS) " besides pcbench's own");
        if (err)
            return PCB_OPTS_ERROR; /* pcb__workload_add() said why, naming the plugin */
    }
    loaded[nloaded].dev = st.st_dev;
    loaded[nloaded].ino = st.st_ino;
    nloaded++;
    size_t len = strlen(paths);
    snprintf(paths + len, sizeof(paths) - len, "%s%s", len ? ":" : "", path);
    return 0;
}

int pcb_plugins_load(int argc, char **argv, const char *prog, const char *flag, bool separate)
{
    size_t flen = strlen(flag);
    bool given = false;

    for (int i = 1; i < argc; i++) {
        const char *path = NULL;
        if (strncmp(argv[i], flag, flen) == 0 && argv[i][flen] == '=')
            path = argv[i] + flen + 1;
        else if (separate && strcmp(argv[i], flag) == 0 && i + 1 < argc)
            path = argv[++i];
        if (!path)
            continue;
        given = true;
        if (load_one(prog, flag, path) != 0)
            return 2;
    }
    const char *env = getenv("PCB_PLUGIN");
    if (given || !env)
        return 0;
    for (const char *p = env; *p;) {
        const char *e = strchr(p, ':');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        char path[4096];
        if (len >= sizeof(path)) {
            pcb_opts_refuse(prog, "PCB_PLUGIN", NULL, "a path is too long");
            return 2;
        }
        if (len) {
            memcpy(path, p, len);
            path[len] = '\0';
            if (load_one(prog, "PCB_PLUGIN", path) != 0)
                return 2;
        }
        p += len + (e != NULL);
    }
    return 0;
}

const char *pcb_plugins_loaded(void)
{
    return paths;
}
