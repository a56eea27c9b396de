// gbench_shim.cc - the extern "C" API of gbench.h over Google Benchmark. The only C++ file.
//
// pcb_gb_state is the library's benchmark::State, cast. pcb_gb_case is the shim's own record of
// a case (CaseInfo): the library learns of a case only in pcb_gb_run(), once the shim has
// applied --benchmark_filter itself, so that names carry no tuning. Google Benchmark 1.7.1
// appends /min_time:T, /min_warmup_time:T, /iterations:N and /repeats:R to a case's name when
// the case sets them, and matches the filter against that name; the shim matches the filter
// against the name without them, lists cases itself, and writes every report without them. A
// case's name is its registered name plus the time type (/manual_time, /real_time), under
// every profile and flag. Nothing here allocates per iteration; the batch form hands the whole
// run to the C loop at once (see gbench.h).
#include "gbench.h"
#include "../common/outfile.h"

#include <benchmark/benchmark.h>

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <regex.h>

#include <algorithm>
#include <atomic>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

namespace
{

// One registered case: what to call, and the builder settings, applied to the library's
// Benchmark when pcb_gb_run() hands the case over.
struct CaseInfo {
    std::string name;       // the registered name
    pcb_gb_fn fn = nullptr; // the case's function (NULL: the native empty loop)
    void *arg = nullptr;    // its argument
    double min_time = 0, min_warmup_time = 0;
    int64_t iterations = 0;
    int repetitions = 0;
    bool manual_time = false, real_time = false, process_time = false;
    bool has_unit = false;
    benchmark::TimeUnit unit = benchmark::kNanosecond;
    pcb_gb_case_fn chosen = nullptr, done = nullptr; // pcb_gb_lifecycle()
    bool over = false;                               // done() was called

    // The case's name as every report shows it and as the filter sees it: the registered name
    // and the time type, never the tuning (see the top of this file).
    benchmark::BenchmarkName RunName() const
    {
        benchmark::BenchmarkName n;
        n.function_name = name;
        if (process_time)
            n.time_type = "process_time";
        if (manual_time)
            n.time_type += std::string(n.time_type.empty() ? "" : "/") + "manual_time";
        else if (real_time)
            n.time_type += std::string(n.time_type.empty() ? "" : "/") + "real_time";
        return n;
    }

    // How much longer the library's own name for the case is: the tuning parts it appends
    // (/min_time:0.100 and the like), which it counts when it sizes the console's name column.
    size_t TuningLength() const
    {
        char buf[64];
        size_t n = 0;
        if (min_time != 0)
            n += 1 + (size_t)snprintf(buf, sizeof(buf), "min_time:%0.3f", min_time);
        if (min_warmup_time > 0)
            n += 1 + (size_t)snprintf(buf, sizeof(buf), "min_warmup_time:%0.3f", min_warmup_time);
        if (iterations != 0)
            n += 1 + (size_t)snprintf(buf, sizeof(buf), "iterations:%lld", (long long)iterations);
        if (repetitions != 0)
            n += 1 + (size_t)snprintf(buf, sizeof(buf), "repeats:%d", repetitions);
        return n;
    }
};

// Every registered case, in registration order; kept for the process's life (the library's
// lambdas keep plain pointers to them, used only while a case runs).
std::vector<std::unique_ptr<CaseInfo>> &case_infos()
{
    static std::vector<std::unique_ptr<CaseInfo>> v;
    return v;
}

CaseInfo *I(pcb_gb_case *c)
{
    return reinterpret_cast<CaseInfo *>(c);
}

pcb_gb_case *C(CaseInfo *i)
{
    return reinterpret_cast<pcb_gb_case *>(i);
}

// The runs as the library made them, less the tuning parts of their names.
std::vector<benchmark::BenchmarkReporter::Run>
untuned(const std::vector<benchmark::BenchmarkReporter::Run> &runs)
{
    std::vector<benchmark::BenchmarkReporter::Run> copy(runs);
    for (auto &r : copy) {
        r.run_name.min_time.clear();
        r.run_name.min_warmup_time.clear();
        r.run_name.iterations.clear();
        r.run_name.repetitions.clear();
    }
    return copy;
}

// Length of the well-formed UTF-8 sequence at s (1 to 4 bytes), or 0 when s does not start one:
// a stray continuation byte, an overlong form, a surrogate, a code point past U+10FFFF, or a
// sequence cut short (by the terminating NUL, too).
size_t utf8_len(const unsigned char *s)
{
    unsigned c = s[0], cp, min;
    size_t n;

    if (c < 0x80)
        return 1;
    if ((c & 0xe0) == 0xc0) {
        n = 2, cp = c & 0x1f, min = 0x80;
    } else if ((c & 0xf0) == 0xe0) {
        n = 3, cp = c & 0x0f, min = 0x800;
    } else if ((c & 0xf8) == 0xf0) {
        n = 4, cp = c & 0x07, min = 0x10000;
    } else {
        return 0;
    }
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        cp = cp << 6 | (s[i] & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    return n;
}

// Whether the byte at s is a control character, which JSON allows only escaped.
bool is_control(unsigned char c)
{
    return c < 0x20 || c == 0x7f;
}

// s as the library may write it into a JSON document (see pcb_gb_json_text_ok()): every
// control character and every byte outside well-formed UTF-8 becomes '?'.
std::string json_safe(const char *s)
{
    std::string out;
    const unsigned char *p = reinterpret_cast<const unsigned char *>(s);

    while (*p) {
        size_t n = is_control(*p) ? 0 : utf8_len(p);
        if (n == 0) {
            out += '?';
            p++;
            continue;
        }
        out.append(reinterpret_cast<const char *>(p), n);
        p += n;
    }
    return out;
}

// The case whose function is running now (set around the call, on the library's thread).
std::atomic<const CaseInfo *> g_running{nullptr};

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

// Text fields of each case (pcb_gb_set_case_field), by registered name: set on the library's
// thread while the case runs, read there by the JSON reporters when they write its runs.
std::map<std::string, std::vector<std::pair<std::string, std::string>>> &case_fields()
{
    static std::map<std::string, std::vector<std::pair<std::string, std::string>>> m;
    return m;
}

// s as the inside of a JSON string: json_safe(), with quotes and backslashes escaped.
std::string json_string(const std::string &s)
{
    std::string out;
    for (char c : json_safe(s.c_str())) {
        if (c == '"' || c == '\\')
            out += '\\';
        out += c;
    }
    return out;
}

// The library's JSON reporter, except that a non-finite counter is written as 0, and that a
// case's text fields (pcb_gb_set_case_field) are added to each of its entries. Google
// Benchmark 1.7 prints NaN and inf bare, which is not JSON; pcbench produces one whenever a
// counter is 0 in every repetition: its cv aggregate is 0/0. No variation means a cv of 0.
// The library writes one entry as "    {\n" ... "\n    }" and has no hook for members of
// one's own, so each run is written alone into a buffer and the fields go before its closing
// brace; an entry of another shape is passed on as it is.
class FiniteJSONReporter : public benchmark::JSONReporter
{
  public:
    void ReportRuns(const std::vector<Run> &runs) override
    {
        std::ostream &out = GetOutputStream();
        for (const Run &run : runs) {
            Run r(run);
            for (auto &kv : r.counters)
                if (!isfinite(kv.second.value))
                    kv.second.value = 0;
            std::ostringstream one;
            SetOutputStream(&one);
            benchmark::JSONReporter::ReportRuns(std::vector<Run>{r});
            SetOutputStream(&out);
            std::string text = one.str();
            static const std::string end = "\n    }";
            auto f = case_fields().find(r.run_name.function_name);
            if (f != case_fields().end() && text.size() >= end.size() &&
                text.compare(text.size() - end.size(), end.size(), end) == 0) {
                text.resize(text.size() - end.size());
                for (const auto &kv : f->second)
                    text += ",\n      \"" + json_string(kv.first) + "\": \"" +
                            json_string(kv.second) + "\"";
                text += end;
            }
            out << text;
        }
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

    // The console sizes its name column from the library's names, tuning parts included; the
    // names it prints have none, so the column is cut back to what they need.
    bool ReportContext(const Context &c) override
    {
        Context mine = c;
        if (mine.name_field_width > width_cut_ + 10)
            mine.name_field_width -= width_cut_;
        return inner_->ReportContext(mine);
    }

    size_t width_cut_ = 0; // see ReportContext()

    void ReportRuns(const std::vector<Run> &lib_runs) override
    {
        std::vector<Run> runs = untuned(lib_runs);
        if (on_case_)
            on_case_(nullptr, ctx_); // "the library is about to print"
        inner_->ReportRuns(runs);
        if (on_run_)
            for (const Run &r : runs)
                Forward(r);
        if (on_case_ && !runs.empty())
            on_case_(runs.front().run_name.str().c_str(), ctx_);
        // Every run of the case is over when the library reports it: its owner may let go of
        // what the case needed (pcb_gb_lifecycle()).
        if (!runs.empty()) {
            auto c = chosen_.find(runs.front().run_name.function_name);
            if (c != chosen_.end() && c->second->done && !c->second->over) {
                c->second->over = true;
                c->second->done(c->second->arg);
            }
        }
    }

    std::map<std::string, CaseInfo *> chosen_; // the cases pcb_gb_run() hands over, by name

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
        info.warning = "";
        auto f = case_fields().find(r.run_name.function_name);
        if (f != case_fields().end())
            for (const auto &kv : f->second)
                if (kv.first == "pcb_warning")
                    info.warning = kv.second.c_str();
        on_run_(&info, ctx_);
    }

    std::unique_ptr<benchmark::BenchmarkReporter> inner_;
    pcb_gb_run_cb on_run_;
    pcb_gb_case_cb on_case_;
    void *ctx_;
};

// Cases in the result file as last written; read by interrupt handlers (pcb_gb_cases_written).
volatile sig_atomic_t g_cases_written = 0;

// How the result file of the last run ended (pcb_gb_out_result).
struct pcb_gb_out_result g_out;

// The file reporter: the library's reporter writes into memory; after the context and after
// every case the whole document so far (for JSON, closed as Finalize would close it) replaces a
// regular result file (outfile.h), so the file is always a whole document. A stream (a device,
// a FIFO) gets the final document only. A write that fails is said once on stderr and tried
// again after the next case (the next document holds every case so far); the run goes on, and
// pcb_gb_out_error() tells the caller whether the last write failed.
class AtomicFile : public benchmark::BenchmarkReporter
{
  public:
    AtomicFile(std::unique_ptr<benchmark::BenchmarkReporter> inner, pcb_outfile *out, bool json)
        : inner_(std::move(inner)), out_(out), json_(json)
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
        inner_->ReportRuns(untuned(runs));
        Count(runs);
        Snapshot(false);
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
        Count(std::vector<Run>{r});
        Finalize();
    }

    int err_ = 0;          // the last write's result: 0 or -errno
    size_t cases_ = 0;     // cases in the document so far
    size_t kept_ = 0;      // cases in the file's last complete write
    bool written_ = false; // some write of this run succeeded

  private:
    // Counts a case when its first runs come: the library reports a case's repetitions and
    // then its aggregates in two calls, one after the other.
    void Count(const std::vector<Run> &runs)
    {
        if (runs.empty() || runs.front().run_name.str() == last_case_)
            return;
        last_case_ = runs.front().run_name.str();
        cases_++;
    }

    // Writes the document so far. SIGINT, SIGTERM and SIGHUP wait while a regular file is
    // replaced, so an interrupt handler sees the file and the count of cases in it
    // (g_cases_written) as they were before or after, never a half-written temporary file. A
    // stream's one write is left open to them: an interrupt must not wait on a reader.
    void Snapshot(bool final)
    {
        if (out_->stream && !final)
            return;
        std::string doc = buf_.str();
        // JSONReporter closes the benchmark list and the document in Finalize(); before that,
        // close them here so every intermediate file is valid JSON.
        if (json_ && !final)
            doc += "\n  ]\n}\n";
        sigset_t block, old;
        sigemptyset(&block);
        if (!out_->stream) {
            sigaddset(&block, SIGINT);
            sigaddset(&block, SIGTERM);
            sigaddset(&block, SIGHUP);
        }
        pthread_sigmask(SIG_BLOCK, &block, &old);
        int err = pcb_outfile_write(out_, doc.data(), doc.size());
        if (!err) {
            kept_ = cases_;
            written_ = true;
            g_cases_written = static_cast<sig_atomic_t>(cases_);
        }
        pthread_sigmask(SIG_SETMASK, &old, nullptr);
        // Said when writing starts to fail; the end of the run is the caller's to tell.
        if (err && !err_ && !final) {
            char kept[64];
            if (written_)
                snprintf(kept, sizeof(kept), "its last complete write (%zu case(s))", kept_);
            else
                snprintf(kept, sizeof(kept), "what it held before the run");
            fprintf(stderr,
                    "pcbench: cannot write %s: %s; it keeps %s, and the run goes on, writing it "
                    "again after every case\n",
                    out_->path, strerror(-err), kept);
        }
        err_ = err;
    }

    std::unique_ptr<benchmark::BenchmarkReporter> inner_;
    std::ostringstream buf_;
    pcb_outfile *out_;
    bool json_;
    std::string last_case_; // the run name of the case counted last
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

bool pcb_gb_json_text_ok(const char *s)
{
    const unsigned char *p = reinterpret_cast<const unsigned char *>(s);

    while (*p) {
        size_t n = is_control(*p) ? 0 : utf8_len(p);
        if (n == 0)
            return false;
        p += n;
    }
    return true;
}

void pcb_gb_init(int *argc, char **argv)
{
    // The library writes argv[0] into the context as "executable": a path with a control
    // character or with bytes that are not UTF-8 would make the document invalid JSON, and the
    // path is not the user's input to refuse. The library gets a copy it can write.
    static std::string exe;
    if (*argc > 0 && argv[0] && !pcb_gb_json_text_ok(argv[0])) {
        exe = json_safe(argv[0]);
        argv[0] = &exe[0];
    }
    benchmark::Initialize(argc, argv);
}

bool pcb_gb_report_unrecognized(int argc, char **argv)
{
    return benchmark::ReportUnrecognizedArguments(argc, argv);
}

void pcb_gb_add_context(const char *key, const char *value)
{
    // Values come from the machine (/proc/cpuinfo, uname): made writable as argv[0] is.
    benchmark::AddCustomContext(json_safe(key), json_safe(value));
}

void pcb_gb_add_run_hooks(pcb_gb_run_hook before, pcb_gb_run_hook after)
{
    g_hooks.push_back(RunHooks{before, after});
}

pcb_gb_case *pcb_gb_register(const char *name, pcb_gb_fn fn, void *arg)
{
    case_infos().emplace_back(new CaseInfo);
    CaseInfo *info = case_infos().back().get();
    info->name = name;
    info->fn = fn;
    info->arg = arg;
    return C(info);
}

pcb_gb_case *pcb_gb_use_manual_time(pcb_gb_case *c)
{
    I(c)->manual_time = true;
    return c;
}

pcb_gb_case *pcb_gb_use_real_time(pcb_gb_case *c)
{
    I(c)->real_time = true;
    return c;
}

pcb_gb_case *pcb_gb_unit(pcb_gb_case *c, enum pcb_gb_unit unit)
{
    static const benchmark::TimeUnit map[] = {benchmark::kNanosecond, benchmark::kMicrosecond,
                                              benchmark::kMillisecond, benchmark::kSecond};
    I(c)->unit = map[unit];
    I(c)->has_unit = true;
    return c;
}

pcb_gb_case *pcb_gb_repetitions(pcb_gb_case *c, int n)
{
    I(c)->repetitions = n;
    return c;
}

pcb_gb_case *pcb_gb_min_time(pcb_gb_case *c, double seconds)
{
    I(c)->min_time = seconds;
    return c;
}

pcb_gb_case *pcb_gb_min_warmup_time(pcb_gb_case *c, double seconds)
{
    I(c)->min_warmup_time = seconds;
    return c;
}

pcb_gb_case *pcb_gb_iterations(pcb_gb_case *c, int64_t n)
{
    I(c)->iterations = n;
    return c;
}

pcb_gb_case *pcb_gb_measure_process_cpu_time(pcb_gb_case *c)
{
    I(c)->process_time = true;
    return c;
}

pcb_gb_case *pcb_gb_lifecycle(pcb_gb_case *c, pcb_gb_case_fn chosen, pcb_gb_case_fn done)
{
    I(c)->chosen = chosen;
    I(c)->done = done;
    return c;
}

pcb_gb_case *pcb_gb_register_native_empty_loop(const char *name)
{
    return pcb_gb_register(name, nullptr, nullptr);
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

void pcb_gb_set_case_field(pcb_gb_state *st, const char *key, const char *value)
{
    (void)st;
    const CaseInfo *info = g_running.load(std::memory_order_acquire);
    if (!info)
        return;
    auto &fields = case_fields()[info->name];
    for (auto &kv : fields)
        if (kv.first == key) {
            kv.second = value;
            return;
        }
    fields.emplace_back(key, value);
}

// The label, the error message and the counter names go into the JSON as the library writes
// them, escaping only quotes, backslashes and \b \f \n \r \t: json_safe() keeps every other
// control character (and bytes outside UTF-8) out of it, whatever a workload or a message holds.
// The library copies each string, so the temporary may go.

void pcb_gb_set_label(pcb_gb_state *st, const char *label)
{
    S(st).SetLabel(json_safe(label));
}

// Runs that failed so far; benchmarks run one at a time on the main thread.
static size_t skipped_runs;

void pcb_gb_skip_with_error(pcb_gb_state *st, const char *msg)
{
    skipped_runs++;
    S(st).SkipWithError(json_safe(msg).c_str());
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
    S(st).counters[json_safe(name)] = benchmark::Counter(value, f, k);
}

// The run of one case, as the library calls it: the hooks around the case's function.
static void call_case(benchmark::State &st, CaseInfo *info)
{
    g_running.store(info, std::memory_order_release);
    pcb_gb_state *s = reinterpret_cast<pcb_gb_state *>(&st);
    for (const RunHooks &h : g_hooks)
        if (h.before)
            h.before(info->name.c_str(), s);
    info->fn(s, info->arg);
    for (auto h = g_hooks.rbegin(); h != g_hooks.rend(); ++h)
        if (h->after)
            h->after(info->name.c_str(), s);
    g_running.store(nullptr, std::memory_order_release);
}

// Hands one case to the library, with its settings.
static void hand_over(CaseInfo *info)
{
    benchmark::internal::Benchmark *b;
    if (info->fn)
        b = benchmark::RegisterBenchmark(info->name.c_str(),
                                         [info](benchmark::State &st) { call_case(st, info); });
    else
        b = benchmark::RegisterBenchmark(info->name.c_str(), [](benchmark::State &st) {
            for (auto _ : st)
                benchmark::ClobberMemory();
        });
    if (info->manual_time)
        b->UseManualTime();
    if (info->real_time)
        b->UseRealTime();
    if (info->process_time)
        b->MeasureProcessCPUTime();
    if (info->has_unit)
        b->Unit(info->unit);
    if (info->repetitions)
        b->Repetitions(info->repetitions);
    if (info->iterations)
        b->Iterations(info->iterations);
    if (info->min_time != 0)
        b->MinTime(info->min_time);
    if (info->min_warmup_time > 0)
        b->MinWarmUpTime(info->min_warmup_time);
}

// The cases --benchmark_filter selects, in registration order: the library's rules (empty or
// "all" is everything; a leading '-' selects what does not match) with a POSIX extended regex
// (as compare's --filter) searched in the name as reports show it. Returns false after one line
// when the filter is not a regex.
static bool select_cases(std::vector<CaseInfo *> &out)
{
    std::string spec = benchmark::GetBenchmarkFilter();
    bool negative = !spec.empty() && spec[0] == '-';
    std::string re_text = negative ? spec.substr(1) : spec;
    if (re_text.empty() || re_text == "all")
        re_text = ".";
    regex_t re;
    if (regcomp(&re, re_text.c_str(), REG_EXTENDED | REG_NOSUB) != 0) {
        fprintf(stderr, "pcbench: --benchmark_filter=%s: not a valid regular expression\n",
                spec.c_str());
        return false;
    }
    for (const auto &c : case_infos()) {
        std::string name = c->RunName().str();
        if ((regexec(&re, name.c_str(), 0, nullptr, 0) == 0) != negative)
            out.push_back(c.get());
    }
    regfree(&re);
    return true;
}

// A run that selected no case: one line naming --benchmark_filter. Returns -1 (the caller
// exits 2; nothing was written).
static long no_case()
{
    fprintf(stderr,
            "pcbench: --benchmark_filter=%s: matches no case; expected a regex matching some of "
            "--benchmark_list_tests\n",
            benchmark::GetBenchmarkFilter().c_str());
    return -1;
}

long pcb_gb_run(const struct pcb_gb_run_options *opt)
{
    std::vector<CaseInfo *> chosen;
    if (!select_cases(chosen))
        return -1;
    if (chosen.empty())
        return no_case();
    if (opt->list_only) {
        for (CaseInfo *c : chosen)
            printf("%s\n", c->RunName().str().c_str());
        return static_cast<long>(chosen.size());
    }
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
    std::unique_ptr<benchmark::BenchmarkReporter> inner;
    std::string fmt = opt->out_format ? opt->out_format : "json";
    bool to_file = opt->out_path || opt->out;
    if (to_file && !(inner = make_reporter(fmt, benchmark::ConsoleReporter::OO_None))) {
        fprintf(stderr, "pcbench: --benchmark_out_format=%s: expected json, console or csv\n",
                fmt.c_str());
        return -1;
    }
    for (CaseInfo *c : chosen)
        hand_over(c);
    bool console = std::string(opt->format ? opt->format : "console") == "console";
    Forwarding fwd(std::move(display), console ? opt->on_run : nullptr, opt->on_case, opt->ctx);
    for (CaseInfo *c : chosen) {
        fwd.chosen_[c->name] = c;
        if (c->chosen)
            c->chosen(c->arg);
    }
    size_t lib_width = 0, width = 0;
    for (CaseInfo *c : chosen) {
        size_t len = c->RunName().str().size();
        width = std::max(width, len);
        lib_width = std::max(lib_width, len + c->TuningLength());
    }
    fwd.width_cut_ = lib_width - width;
    // The result file: opened by the caller, or here (then closed here too).
    pcb_outfile own;
    pcb_outfile *out = opt->out;
    if (opt->out_path && !out) {
        char why[512];
        if (pcb_outfile_open(&own, opt->out_path, why, sizeof(why)) != 0) {
            fprintf(stderr, "pcbench: --benchmark_out=%s: %s\n", opt->out_path, why);
            return -1;
        }
        out = &own;
    }
    g_display = &fwd;
    g_out = {};
    long n;
    // The shim chose the cases: the library runs every one it was given.
    if (!out) {
        n = static_cast<long>(benchmark::RunSpecifiedBenchmarks(&fwd, "."));
    } else {
        AtomicFile file(std::move(inner), out, fmt == "json");
        g_file = &file;
        n = static_cast<long>(benchmark::RunSpecifiedBenchmarks(&fwd, &file, "."));
        g_file = nullptr;
        g_out.err = file.err_;
        g_out.written = file.written_;
        g_out.kept = file.kept_;
        g_out.ran = file.cases_;
        int err = out == &own ? pcb_outfile_close(&own) : 0;
        if (err && !g_out.err)
            g_out.err = err;
    }
    g_display = nullptr;
    return n;
}

void pcb_gb_out_result(struct pcb_gb_out_result *r)
{
    *r = g_out;
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
