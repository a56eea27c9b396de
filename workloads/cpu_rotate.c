/*
 * cpu_rotate.c - CPU.rotate: rotate an RGB image by an arbitrary angle, bilinear.
 *
 * The input is one size x size RGB image (3 bytes a pixel) generated from the seed: smooth
 * gradients plus noise, so interpolation has real work to do. Task i rotates it about its
 * centre by an angle derived from (seed, i) into a size x size output (pixels that fall outside
 * the source are black). The output is produced one row at a time into the calling thread's
 * scratch row (allocated once per thread, never per task) and each finished row is folded into
 * the digest, so the work reads the whole source and writes every output byte without a
 * per-task image buffer. The inverse mapping is done in 16.16 fixed point, so the result is the
 * same bit for bit in every thread and process. Bytes/s counts output bytes (size * size * 3).
 */
#include "wl_internal.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>

struct pcb_input {
    uint64_t seed;      /* mixed into every digest and angle */
    uint32_t size;      /* side of the square image, pixels */
    unsigned char *src; /* size * size * 3 bytes, row-major RGB; read-only */
};

static const struct pcb_param_spec params[] = {
    {.name = "size",
     .help = "side of the square RGB image, pixels (256: ~0.2 ms a task, 1024: ~4 ms)",
     .min = 16,
     .max = 8192,
     .defaults = {256, 1024},
     .ndefaults = 2,
     .quick = 128},
};

static int prepare(const uint64_t *values, uint64_t seed, struct pcb_input **out)
{
    struct pcb_input *in = malloc(sizeof(*in));
    uint32_t n = (uint32_t)values[0];
    struct pcb__rng r = {seed ^ 0x726f74617465ULL};

    if (!in)
        return -ENOMEM;
    in->seed = seed;
    in->size = n;
    in->src = malloc((size_t)n * n * 3);
    if (!in->src)
        goto err;
    for (uint32_t y = 0; y < n; y++)
        for (uint32_t x = 0; x < n; x++) {
            unsigned char *p = in->src + ((size_t)y * n + x) * 3;
            uint64_t noise = pcb__rng_next(&r);
            p[0] = (unsigned char)(x * 255 / n + (noise & 31));
            p[1] = (unsigned char)(y * 255 / n + ((noise >> 8) & 31));
            p[2] = (unsigned char)((x ^ y) + ((noise >> 16) & 63));
        }
    *out = in;
    return 0;
err:
    free(in);
    return -ENOMEM;
}

static void release(struct pcb_input *in)
{
    if (!in)
        return;
    free(in->src);
    free(in);
}

/* Folds one finished row into h: 8 bytes at a time through a multiply-xor. */
static uint64_t fold_row(uint64_t h, const unsigned char *row, size_t len)
{
    size_t i = 0;

    for (; i + 8 <= len; i += 8) {
        uint64_t w = (uint64_t)row[i] | (uint64_t)row[i + 1] << 8 | (uint64_t)row[i + 2] << 16 |
                     (uint64_t)row[i + 3] << 24 | (uint64_t)row[i + 4] << 32 |
                     (uint64_t)row[i + 5] << 40 | (uint64_t)row[i + 6] << 48 |
                     (uint64_t)row[i + 7] << 56;
        h = (h ^ w) * 0x100000001b3ULL;
    }
    for (; i < len; i++)
        h = (h ^ row[i]) * 0x100000001b3ULL;
    return h;
}

static int run(const struct pcb_input *in, uint64_t task, uint64_t *digest)
{
    const int32_t n = (int32_t)in->size;
    const size_t stride = (size_t)n * 3;
    unsigned char *row = pcb__scratch(0, stride);
    /* The angle: a fraction of a full turn, in 1/65536ths, from the seed and the task. */
    const uint64_t turn = pcb_mix64(in->seed ^ (task * 0x9e3779b97f4a7c15ULL)) & 0xffff;
    const double a = (double)turn * (6.283185307179586 / 65536.0);
    /* Inverse rotation in 16.16 fixed point: source = R(-a) * (dest - c) + c. */
    const int64_t cs = (int64_t)llround(cos(a) * 65536.0), sn = (int64_t)llround(sin(a) * 65536.0);
    const int64_t c = (int64_t)(n - 1) * 32768; /* the centre, 16.16 */
    const int64_t lim = (int64_t)(n - 1) << 16;
    uint64_t h = pcb_mix64(in->seed + task);

    if (!row)
        return -ENOMEM;
    for (int32_t y = 0; y < n; y++) {
        int64_t dy = ((int64_t)y << 16) - c;
        /* Source position of (x = 0, y), then one step per x. */
        int64_t sx = ((-c * cs + dy * sn) >> 16) + c;
        int64_t sy = ((c * sn + dy * cs) >> 16) + c;
        unsigned char *o = row;
        for (int32_t x = 0; x < n; x++, sx += cs, sy -= sn, o += 3) {
            if (sx < 0 || sy < 0 || sx >= lim || sy >= lim) {
                o[0] = o[1] = o[2] = 0;
                continue;
            }
            uint32_t fx = (uint32_t)(sx & 0xffff) >> 8, fy = (uint32_t)(sy & 0xffff) >> 8;
            const unsigned char *p =
                in->src + ((size_t)(sy >> 16) * (size_t)n + (size_t)(sx >> 16)) * 3;
            const unsigned char *q = p + stride;
            for (int k = 0; k < 3; k++) {
                uint32_t top = p[k] * (256 - fx) + p[k + 3] * fx;
                uint32_t bot = q[k] * (256 - fx) + q[k + 3] * fx;
                o[k] = (unsigned char)((top * (256 - fy) + bot * fy + 32768) >> 16);
            }
        }
        h = fold_row(h, row, stride);
    }
    *digest = pcb_mix64(h ^ task);
    return 0;
}

static uint64_t task_bytes(const struct pcb_input *in)
{
    return (uint64_t)in->size * in->size * 3;
}

const struct pcb_workload pcb_wl_cpu_rotate = {
    .name = "CPU.rotate",
    .summary = "rotate an RGB image by an arbitrary angle (bilinear): compute plus memory reads",
    .kind = PCB_WL_CPU,
    .params = params,
    .nparams = sizeof(params) / sizeof(params[0]),
    .prepare = prepare,
    .release = release,
    .run = run,
    .task_bytes = task_bytes,
};
