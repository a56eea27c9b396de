// gbench_shim.cc - the extern "C" API of gbench.h over Google Benchmark. The only C++ file.
//
// Opaque C handles are the library's own objects, cast: pcb_gb_case is benchmark::internal::
// Benchmark, pcb_gb_state is benchmark::State. Nothing here allocates per iteration; the batch
// form hands the whole run to the C loop at once (see gbench.h).
#include "gbench.h"

#include <benchmark/benchmark.h>

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <atomic>
#include <memory>
#include <sstream>
#include <string>
#include <unordered_map>
#include <vector>

namespace
{

// What a case's run name is made of besides its registered name, recorded by the builders so
// that pcb_gb_abort_case() can name the case that is running exactly as the library does:
// name[/min_time:T][/min_warmup_time:T][/iterations:N][/repeats:R][/manual_time|/real_time].
struct CaseInfo {
    std::string name;
    double min_time = 0, min_warmup_time = 0;
    int64_t iterations = 0;
    int repetitions = 0;
    bool manual_time = false, real_time = false, process_time = false;
    benchmark::TimeUnit unit = benchmark::kNanosecond;

    benchmark::BenchmarkName RunName() const
    {
        benchmark::BenchmarkName n;
        char buf[64];
        n.function_name = name;
        if (min_time != 0) {
            snprintf(buf, sizeof(buf), "min_time:%0.3f", min_time);
            n.min_time = buf;
        }
        if (min_warmup_time > 0) {
            snprintf(buf, sizeof(buf), "min_warmup_time:%0.3f", min_warmup_time);
            n.min_warmup_time = buf;
        }
        if (iterations != 0)
            n.iterations = "iterations:" + std::to_string(iterations);
        if (repetitions != 0)
            n.repetitions = "repeats:" + std::to_string(repetitions);
        if (process_time)
            n.time_type = "process_time";
        if (manual_time)
            n.time_type += std::string(n.time_type.empty() ? "" : "/") + "manual_time";
        else if (real_time)
            n.time_type += std::string(n.time_type.empty() ? "" : "/") + "real_time";
        return n;
    }
};

// Every registered case's CaseInfo, by the library's Benchmark; kept for the process's life.
// The map owns them, so they are freed with it at exit (a case's lambda keeps a plain pointer,
// used only while the case runs).
std::unordered_map<const void *, std::unique_ptr<CaseInfo>> &case_infos()
{
    static std::unordered_map<const void *, std::unique_ptr<CaseInfo>> m;
    return m;
}

CaseInfo *info_of(pcb_gb_case *c)
{
    auto it = case_infos().find(c);
    return it == case_infos().end() ? nullptr : it->second.get();
}

// The case whose function is running now (set around the call, on the library's thread).
std::atomic<const CaseInfo *> g_running{nullptr};

benchmark::internal::Benchmark *B(pcb_gb_case *c)
{
    return reinterpret_cast<benchmark::internal::Benchmark *>(c);
}

pcb_gb_case *C(benchmark::internal::Benchmark *b)
{
    return reinterpret_cast<pcb_gb_case *>(b);
}

benchmark::State &S(pcb_gb_state *st)
{
    return *reinterpret_cast<benchmark::State *>(st);
}

const benchmark::State &S(const pcb_gb_state *st)
{
    return *reinterpret_cast<const benchmark::State *>(st);
}

// The C flags have the library's values where the library's fit in a byte; kInvert does not,
// so it is mapped by hand in pcb_gb_counter().
static_assert(int(benchmark::Counter::kIsRate) == int(PCB_GB_COUNTER_RATE), "flag drift");
static_assert(int(benchmark::Counter::kAvgThreads) == int(PCB_GB_COUNTER_AVG_THREADS),
              "flag drift");
static_assert(int(benchmark::Counter::kIsIterationInvariant) ==
                  int(PCB_GB_COUNTER_ITERATION_INVARIANT),
              "flag drift");
static_assert(int(benchmark::Counter::kAvgIterations) == int(PCB_GB_COUNTER_AVG_ITERATIONS),
              "flag drift");

// The library's JSON reporter, except that a non-finite counter is written as 0. Google
// Benchmark 1.7 prints NaN and inf bare, which is not JSON; pcbench produces one whenever a
// counter is 0 in every repetition: its cv aggregate is 0/0. No variation means a cv of 0.
class FiniteJSONReporter : public benchmark::JSONReporter
{
  public:
    void ReportRuns(const std::vector<Run> &runs) override
    {
        std::vector<Run> copy(runs);
        for (Run &r : copy)
            for (auto &kv : r.counters)
                if (!isfinite(kv.second.value))
                    kv.second.value = 0;
        benchmark::JSONReporter::ReportRuns(copy);
    }
};

// Builds the library's own reporter for a format name; NULL for an unknown name.
std::unique_ptr<benchmark::BenchmarkReporter> make_reporter(const std::string &format, int oo)
{
    if (format == "console")
        return std::unique_ptr<benchmark::BenchmarkReporter>(new benchmark::ConsoleReporter(
            static_cast<benchmark::ConsoleReporter::OutputOptions>(oo)));
    if (format == "json")
        return std::unique_ptr<benchmark::BenchmarkReporter>(new FiniteJSONReporter());
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
    if (format == "csv")
        return std::unique_ptr<benchmark::BenchmarkReporter>(new benchmark::CSVReporter());
#pragma GCC diagnostic pop
    return nullptr;
}

// Passes every call to the library's reporter for the format, and tells C about each run and
// each finished case.
class Forwarding : public benchmark::BenchmarkReporter
{
  public:
    Forwarding(std::unique_ptr<benchmark::BenchmarkReporter> inner, pcb_gb_run_cb on_run,
               pcb_gb_case_cb on_case, void *ctx)
        : inner_(std::move(inner)), on_run_(on_run), on_case_(on_case), ctx_(ctx)
    {
    }

    bool ReportContext(const Context &c) override
    {
        return inner_->ReportContext(c);
    }

    void ReportRuns(const std::vector<Run> &runs) override
    {
        if (on_case_)
            on_case_(nullptr, ctx_); // "the library is about to print"
        inner_->ReportRuns(runs);
        if (on_run_)
            for (const Run &r : runs)
                Forward(r);
        if (on_case_ && !runs.empty())
            on_case_(runs.front().run_name.str().c_str(), ctx_);
    }

    void Finalize() override
    {
        inner_->Finalize();
    }

    // Prints one failed run that the library will never report, and closes the output.
    void Abort(const Run &r)
    {
        inner_->ReportRuns(std::vector<Run>{r});
        inner_->Finalize();
    }

  private:
    void Forward(const Run &r)
    {
        std::string name = r.benchmark_name();
        std::string run_name = r.run_name.str();
        std::vector<const char *> names;
        std::vector<double> values;
        for (const auto &kv : r.counters) {
            names.push_back(kv.first.c_str());
            values.push_back(kv.second.value);
        }
        double to_ns = 1e9 / benchmark::GetTimeUnitMultiplier(r.time_unit);
        pcb_gb_run_info info;
        info.name = name.c_str();
        info.run_name = run_name.c_str();
        info.aggregate_name = r.aggregate_name.c_str();
        info.error_occurred = r.error_occurred;
        info.error_message = r.error_message.c_str();
        info.iterations = r.iterations;
        info.repetition_index = r.run_type == Run::RT_Aggregate ? -1 : r.repetition_index;
        info.real_ns = r.GetAdjustedRealTime() * to_ns;
        info.cpu_ns = r.GetAdjustedCPUTime() * to_ns;
        info.ncounters = names.size();
        info.counter_names = names.data();
        info.counter_values = values.data();
        on_run_(&info, ctx_);
    }

    std::unique_ptr<benchmark::BenchmarkReporter> inner_;
    pcb_gb_run_cb on_run_;
    pcb_gb_case_cb on_case_;
    void *ctx_;
};

// Cases in the result file as last written; read by interrupt handlers (pcb_gb_cases_written).
volatile sig_atomic_t g_cases_written = 0;

// Writes `data` to `tmp`, flushes it to disk and renames it over `path`. Returns 0 or -errno.
int replace_file(const std::string &path, const std::string &tmp, const std::string &data)
{
    int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        return -errno;
    const char *p = data.data();
    size_t left = data.size();
    while (left) {
        ssize_t k = write(fd, p, left);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0) {
            int err = k < 0 ? -errno : -EIO;
            close(fd);
            unlink(tmp.c_str());
            return err;
        }
        p += k;
        left -= static_cast<size_t>(k);
    }
    if (fsync(fd) != 0 || close(fd) != 0) {
        int err = -errno;
        unlink(tmp.c_str());
        return err;
    }
    if (rename(tmp.c_str(), path.c_str()) != 0) {
        int err = -errno;
        unlink(tmp.c_str());
        return err;
    }
    return 0;
}

// The file reporter: the library's reporter writes into memory; after the context and after
// every case the whole document so far (for JSON, closed as Finalize would close it) replaces
// the file. A write error is reported once on stderr and the run goes on.
class AtomicFile : public benchmark::BenchmarkReporter
{
  public:
    AtomicFile(std::unique_ptr<benchmark::BenchmarkReporter> inner, std::string path, bool json)
        : inner_(std::move(inner)), path_(std::move(path)), tmp_(path_ + ".partial"), json_(json)
    {
        inner_->SetOutputStream(&buf_);
        inner_->SetErrorStream(&buf_);
    }

    bool ReportContext(const Context &c) override
    {
        bool ok = inner_->ReportContext(c);
        Snapshot(false);
        return ok;
    }

    void ReportRuns(const std::vector<Run> &runs) override
    {
        inner_->ReportRuns(runs);
        Snapshot(false, runs.empty() ? 0 : 1);
    }

    void Finalize() override
    {
        inner_->Finalize();
        Snapshot(true);
    }

    // Adds one failed run that the library will never report and writes the final document.
    void Abort(const Run &r)
    {
        inner_->ReportRuns(std::vector<Run>{r});
        Finalize();
    }

  private:
    // Writes the document so far; `added` cases are new in it. SIGINT, SIGTERM and SIGHUP wait
    // while the file is replaced, so an interrupt handler sees the file and the count of cases
    // in it (g_cases_written) as they were before or after, never a half-written `.partial`.
    void Snapshot(bool final, int added = 0)
    {
        std::string doc = buf_.str();
        // JSONReporter closes the benchmark list and the document in Finalize(); before that,
        // close them here so every intermediate file is valid JSON.
        if (json_ && !final)
            doc += "\n  ]\n}\n";
        sigset_t block, old;
        sigemptyset(&block);
        sigaddset(&block, SIGINT);
        sigaddset(&block, SIGTERM);
        sigaddset(&block, SIGHUP);
        pthread_sigmask(SIG_BLOCK, &block, &old);
        int err = replace_file(path_, tmp_, doc);
        if (!err)
            g_cases_written = g_cases_written + added;
        pthread_sigmask(SIG_SETMASK, &old, nullptr);
        if (err && !warned_) {
            warned_ = true;
            fprintf(stderr, "pcbench: cannot write %s: %s\n", path_.c_str(), strerror(-err));
        }
    }

    std::unique_ptr<benchmark::BenchmarkReporter> inner_;
    std::ostringstream buf_;
    std::string path_, tmp_;
    bool json_;
    bool warned_ = false;
};

struct CallArg {
    pcb_gb_fn fn;
    void *arg;
};

// The reporters of the run in progress, for pcb_gb_abort_case().
Forwarding *g_display = nullptr;
AtomicFile *g_file = nullptr;

// Called around every run of a function registered with pcb_gb_register() (gbench.h): the
// befores in the order added, the afters in reverse.
struct RunHooks {
    pcb_gb_run_hook before, after;
};
std::vector<RunHooks> g_hooks;

} // namespace

extern "C" {

void pcb_gb_init(int *argc, char **argv)
{
    benchmark::Initialize(argc, argv);
}

bool pcb_gb_report_unrecognized(int argc, char **argv)
{
    return benchmark::ReportUnrecognizedArguments(argc, argv);
}

void pcb_gb_add_context(const char *key, const char *value)
{
    benchmark::AddCustomContext(key, value);
}

void pcb_gb_add_run_hooks(pcb_gb_run_hook before, pcb_gb_run_hook after)
{
    g_hooks.push_back(RunHooks{before, after});
}

pcb_gb_case *pcb_gb_register(const char *name, pcb_gb_fn fn, void *arg)
{
    // The lambda captures by value; the registry keeps it for the life of the process.
    CaseInfo *info = new CaseInfo;
    info->name = name;
    pcb_gb_case *c = C(benchmark::RegisterBenchmark(name, [fn, arg, info](benchmark::State &st) {
        g_running.store(info, std::memory_order_release);
        pcb_gb_state *s = reinterpret_cast<pcb_gb_state *>(&st);
        for (const RunHooks &h : g_hooks)
            if (h.before)
                h.before(info->name.c_str(), s);
        fn(s, arg);
        for (auto h = g_hooks.rbegin(); h != g_hooks.rend(); ++h)
            if (h->after)
                h->after(info->name.c_str(), s);
        g_running.store(nullptr, std::memory_order_release);
    }));
    case_infos()[c].reset(info);
    return c;
}

pcb_gb_case *pcb_gb_use_manual_time(pcb_gb_case *c)
{
    if (CaseInfo *i = info_of(c))
        i->manual_time = true;
    return C(B(c)->UseManualTime());
}

pcb_gb_case *pcb_gb_use_real_time(pcb_gb_case *c)
{
    if (CaseInfo *i = info_of(c))
        i->real_time = true;
    return C(B(c)->UseRealTime());
}

pcb_gb_case *pcb_gb_unit(pcb_gb_case *c, enum pcb_gb_unit unit)
{
    static const benchmark::TimeUnit map[] = {benchmark::kNanosecond, benchmark::kMicrosecond,
                                              benchmark::kMillisecond, benchmark::kSecond};
    if (CaseInfo *i = info_of(c))
        i->unit = map[unit];
    return C(B(c)->Unit(map[unit]));
}

pcb_gb_case *pcb_gb_repetitions(pcb_gb_case *c, int n)
{
    if (CaseInfo *i = info_of(c))
        i->repetitions = n;
    return C(B(c)->Repetitions(n));
}

pcb_gb_case *pcb_gb_min_time(pcb_gb_case *c, double seconds)
{
    if (CaseInfo *i = info_of(c))
        i->min_time = seconds;
    return C(B(c)->MinTime(seconds));
}

pcb_gb_case *pcb_gb_min_warmup_time(pcb_gb_case *c, double seconds)
{
    if (CaseInfo *i = info_of(c))
        i->min_warmup_time = seconds;
    return C(B(c)->MinWarmUpTime(seconds));
}

pcb_gb_case *pcb_gb_iterations(pcb_gb_case *c, int64_t n)
{
    if (CaseInfo *i = info_of(c))
        i->iterations = n;
    return C(B(c)->Iterations(n));
}

pcb_gb_case *pcb_gb_measure_process_cpu_time(pcb_gb_case *c)
{
    if (CaseInfo *i = info_of(c))
        i->process_time = true;
    return C(B(c)->MeasureProcessCPUTime());
}

pcb_gb_case *pcb_gb_register_native_empty_loop(const char *name)
{
    return C(benchmark::RegisterBenchmark(name, [](benchmark::State &st) {
        for (auto _ : st)
            benchmark::ClobberMemory();
    }));
}

bool pcb_gb_keep_running(pcb_gb_state *st)
{
    return S(st).KeepRunning();
}

uint64_t pcb_gb_batch(pcb_gb_state *st)
{
    benchmark::State &s = S(st);
    // The first call asks for the whole run; the library then reports the run as finished on
    // the next call. max_iterations is what the library decided this run needs.
    benchmark::IterationCount n = s.max_iterations;
    if (n < 1)
        n = 1;
    return s.KeepRunningBatch(n) ? static_cast<uint64_t>(n) : 0;
}

void pcb_gb_pause_timing(pcb_gb_state *st)
{
    S(st).PauseTiming();
}

void pcb_gb_resume_timing(pcb_gb_state *st)
{
    S(st).ResumeTiming();
}

void pcb_gb_set_iteration_time(pcb_gb_state *st, double seconds)
{
    S(st).SetIterationTime(seconds);
}

void pcb_gb_set_items_processed(pcb_gb_state *st, int64_t items)
{
    S(st).SetItemsProcessed(items);
}

void pcb_gb_set_bytes_processed(pcb_gb_state *st, int64_t bytes)
{
    S(st).SetBytesProcessed(bytes);
}

void pcb_gb_set_label(pcb_gb_state *st, const char *label)
{
    S(st).SetLabel(label);
}

// Runs that failed so far; benchmarks run one at a time on the main thread.
static size_t skipped_runs;

void pcb_gb_skip_with_error(pcb_gb_state *st, const char *msg)
{
    skipped_runs++;
    S(st).SkipWithError(msg);
}

size_t pcb_gb_failed_runs(void)
{
    return skipped_runs;
}

bool pcb_gb_error_occurred(const pcb_gb_state *st)
{
    return S(st).error_occurred();
}

int64_t pcb_gb_state_iterations(const pcb_gb_state *st)
{
    return S(st).iterations();
}

void pcb_gb_counter(pcb_gb_state *st, const char *name, double value, unsigned flags)
{
    unsigned bits = flags & 0x0fu;
    if (flags & PCB_GB_COUNTER_INVERT)
        bits |= static_cast<unsigned>(benchmark::Counter::kInvert);
    auto f = static_cast<benchmark::Counter::Flags>(bits);
    auto k =
        (flags & PCB_GB_COUNTER_KIBI) ? benchmark::Counter::kIs1024 : benchmark::Counter::kIs1000;
    S(st).counters[name] = benchmark::Counter(value, f, k);
}

// A run that selected no case: one line naming --benchmark_filter, in place of the library's
// message. Returns -1 (the caller exits 2; nothing was written).
static long no_case(const std::ostringstream &lib_err)
{
    std::string filter = benchmark::GetBenchmarkFilter();
    bool bad = lib_err.str().find("Could not compile") != std::string::npos;
    fprintf(stderr, "pcbench: --benchmark_filter=%s: %s\n", filter.c_str(),
            bad ? "not a valid regular expression"
                : "matches no case; expected a regex matching some of --benchmark_list_tests");
    return -1;
}

// A run that selected cases: whatever the library said on the error stream, as it said it.
static long pass_on(long n, const std::ostringstream &lib_err)
{
    fputs(lib_err.str().c_str(), stderr);
    return n;
}

long pcb_gb_run(const struct pcb_gb_run_options *opt)
{
    int oo = benchmark::ConsoleReporter::OO_None;
    if (opt->color)
        oo |= benchmark::ConsoleReporter::OO_Color;
    if (opt->tabular)
        oo |= benchmark::ConsoleReporter::OO_Tabular;
    auto display = make_reporter(opt->format ? opt->format : "console", oo);
    if (!display) {
        fprintf(stderr, "pcbench: --benchmark_format=%s: expected console, json or csv\n",
                opt->format);
        return -1;
    }
    bool console = std::string(opt->format ? opt->format : "console") == "console";
    Forwarding fwd(std::move(display), console ? opt->on_run : nullptr, opt->on_case, opt->ctx);
    // The library's own complaints (a filter that selects nothing or does not compile) go to
    // the display reporter's error stream: kept here and turned into one line by no_case().
    std::ostringstream lib_err;
    fwd.SetErrorStream(&lib_err);
    g_display = &fwd;
    if (!opt->out_path) {
        long n = static_cast<long>(benchmark::RunSpecifiedBenchmarks(&fwd));
        g_display = nullptr;
        return n ? pass_on(n, lib_err) : no_case(lib_err);
    }

    std::string fmt = opt->out_format ? opt->out_format : "json";
    auto inner = make_reporter(fmt, benchmark::ConsoleReporter::OO_None);
    if (!inner) {
        fprintf(stderr, "pcbench: --benchmark_out_format=%s: expected json, console or csv\n",
                fmt.c_str());
        return -1;
    }
    AtomicFile file(std::move(inner), opt->out_path, fmt == "json");
    g_file = &file;
    long n = static_cast<long>(benchmark::RunSpecifiedBenchmarks(&fwd, &file));
    g_file = nullptr;
    g_display = nullptr;
    return n ? pass_on(n, lib_err) : no_case(lib_err);
}

const char *pcb_gb_running_case(void)
{
    const CaseInfo *info = g_running.load(std::memory_order_acquire);
    return info ? info->name.c_str() : nullptr;
}

size_t pcb_gb_cases_written(void)
{
    return static_cast<size_t>(g_cases_written);
}

const char *pcb_gb_abort_case(const char *msg)
{
    static std::string name;
    const CaseInfo *info = g_running.load(std::memory_order_acquire);
    if (!info)
        return nullptr;
    benchmark::BenchmarkReporter::Run r;
    r.run_name = info->RunName();
    r.family_index = 0;
    r.per_family_instance_index = 0;
    r.error_occurred = true;
    r.error_message = msg;
    r.iterations = 0;
    r.repetition_index = 0;
    r.repetitions = info->repetitions ? info->repetitions : 1;
    r.time_unit = info->unit;
    r.statistics = nullptr;
    name = r.run_name.str();
    if (g_display)
        g_display->Abort(r);
    if (g_file)
        g_file->Abort(r);
    return name.c_str();
}

void pcb_gb_shutdown(void)
{
    benchmark::Shutdown();
}

} // extern "C"
