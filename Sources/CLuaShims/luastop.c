// Stopping a running script from outside: a time limit's watchdog, Ctrl-C, SIGTERM. The request
// arms a count hook (free until then) on the thread running Lua; the hook raises on every
// instruction from then on, so pcall cannot swallow it. Hooks are set from a signal handler on
// the Lua thread itself, as lua.c does, never from another thread while Lua runs.
#include "luashim.h"
#include <errno.h>
#include <stdatomic.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

// What luashim_host.stop points to.
typedef struct stop_state {
    // Why the host asked the script to stop (LUASHIM_STOP_*); 0 while it may run.
    _Atomic int reason;
    // The Lua thread running now: the main thread, or the coroutine last resumed.
    lua_State *_Atomic running;
    lua_State *main;
    // The OS thread running Lua code for this state, while one is.
    _Atomic unsigned long os_thread;
    _Atomic int os_thread_known;
    // The time-limit watchdog, if one is armed.
    struct watchdog *watchdog;
    // How many coroutine.close calls are running inside one another.
    int closing_depth;
    // An allocation passed the memory limit: the next Lua instruction raises "not enough
    // memory" with its line (see luashim_raisememoryerror). Touched by the Lua thread only.
    int memory_error_pending;
    // memory_hook raised that error: a message handler runs with hooks off for it, so the
    // script's own (xpcall's) is not called, as Lua calls none for its own memory errors.
    int memory_error_raised;
} stop_state;

static stop_state *stops(luashim_host *host) { return host->stop; }

int luashim_stopstate_create(luashim_host *host, lua_State *main) {
    stop_state *state = calloc(1, sizeof(stop_state));
    if (state == NULL) return -1;
    state->main = main;
    atomic_store(&state->running, main);
    host->stop = state;
    return 0;
}

void luashim_stopstate_destroy(luashim_host *host) {
    luashim_stopwatchdog(host);
    free(host->stop);
    host->stop = NULL;
}

// The host whose Lua code runs on this OS thread now, for the signal handler.
static _Thread_local luashim_host *current_host = NULL;

static void stop_hook(lua_State *L, lua_Debug *ar) {
    (void)ar;
    luashim_host *host = luashim_gethost(L);
    int reason = atomic_load(&stops(host)->reason);
    if (reason == 0) {  // cleared since: disarm
        lua_sethook(L, NULL, 0, 0);
        return;
    }
    luaL_error(L, reason == LUASHIM_STOP_TIMEOUT  ? "script stopped: time limit reached"
                  : reason == LUASHIM_STOP_CANCEL ? "script stopped: cancelled"
                  : reason == LUASHIM_STOP_HALT   ? "script stopped: halted by the host"
                                                  : "script stopped: interrupted");
}

// Raises the memory error an allocation asked for, where the script is: Lua's own (raised inside
// the allocation) says only "not enough memory", since its message handler never runs for it.
static void arm(lua_State *L);

static void memory_hook(lua_State *L, lua_Debug *ar) {
    (void)ar;
    stop_state *state = stops(luashim_gethost(L));
    lua_sethook(L, NULL, 0, 0);
    // A stop asked for meanwhile (its signal may have armed this thread just before the line
    // above) raises instead: it is set before its signal is sent, so it is seen here.
    if (atomic_load(&state->reason) != 0) {
        arm(L);
        return;
    }
    if (!state->memory_error_pending) return;  // raised already, or cleared: a stale hook
    state->memory_error_pending = 0;
    state->memory_error_raised = 1;
    // Level 0 is the Lua function about to run its next instruction. The message is made with
    // the host's allowance: a value payrun built may have left the script far past its grace,
    // where making it would fail with Lua's own line-less error.
    luashim_host *host = luashim_gethost(L);
    int allowance = host->host_allowance;
    host->host_allowance = 1;
    lua_Debug where;
    int found = 0;
    for (int level = 0; !found && lua_getstack(L, level, &where); level++) {
        if (lua_getinfo(L, "Sl", &where) && where.currentline > 0) {
            lua_pushfstring(L, "%s:%d: not enough memory", where.short_src, where.currentline);
            found = 1;
        }
    }
    if (!found) lua_pushliteral(L, "not enough memory");
    host->host_allowance = allowance;
    lua_error(L);
}

int luashim_raisememoryerror(luashim_host *host) {
    stop_state *state = stops(host);
    if (state == NULL || atomic_load(&state->reason) != 0) return 0;  // a stop raises anyway
    if (!state->memory_error_pending) {
        state->memory_error_pending = 1;
        // As a stop is armed: lua_sethook is safe at any point, even mid-allocation. Only the
        // first of the two to run raises.
        lua_sethook(state->main, memory_hook, LUA_MASKCOUNT, 1);
        lua_State *running = atomic_load(&state->running);
        if (running != NULL && running != state->main) lua_sethook(running, memory_hook, LUA_MASKCOUNT, 1);
    }
    return 1;
}

static void arm(lua_State *L) {
    if (L != NULL) lua_sethook(L, stop_hook, LUA_MASKCALL | LUA_MASKRET | LUA_MASKCOUNT, 1);
}

static int stop_signal(void) { return SIGRTMIN + 3; }

// Runs on the Lua thread, interrupting it between two of its instructions, as lua.c's SIGINT
// handler does: lua_sethook is safe there.
static void on_stop_signal(int signal) {
    (void)signal;
    luashim_host *host = current_host;
    if (host == NULL || atomic_load(&stops(host)->reason) == 0) return;
    arm(stops(host)->main);
    arm(atomic_load(&stops(host)->running));
}

static pthread_once_t stop_signal_once = PTHREAD_ONCE_INIT;

static void install_stop_signal(void) {
    struct sigaction action = {0};
    action.sa_handler = on_stop_signal;
    action.sa_flags = SA_RESTART;
    sigemptyset(&action.sa_mask);
    sigaction(stop_signal(), &action, NULL);
}

void luashim_requeststop(luashim_host *host, int reason) {
    pthread_once(&stop_signal_once, install_stop_signal);
    atomic_store(&stops(host)->reason, reason);
    if (atomic_load(&stops(host)->os_thread_known))
        pthread_kill((pthread_t)atomic_load(&stops(host)->os_thread), stop_signal());
}

luashim_entry_record luashim_enter(luashim_host *host, lua_State *L) {
    luashim_entry_record record;
    record.previous_host = current_host;
    record.previous_running = atomic_load(&stops(host)->running);
    record.restore_mask = 0;
    pthread_once(&stop_signal_once, install_stop_signal);
    if (current_host != host) {
        // Threads of a pool (libdispatch's) block signals; this one must hear the stop signal
        // while it runs Lua. Only the outermost entry pays for the system call.
        sigset_t stop;
        sigemptyset(&stop);
        sigaddset(&stop, stop_signal());
        record.restore_mask = pthread_sigmask(SIG_UNBLOCK, &stop, &record.previous_mask) == 0;
    }
    atomic_store(&stops(host)->running, L);
    atomic_store(&stops(host)->os_thread, (unsigned long)pthread_self());
    atomic_store(&stops(host)->os_thread_known, 1);
    current_host = host;
    if (atomic_load(&stops(host)->reason) != 0) arm(L);  // asked while no Lua code ran
    return record;
}

void luashim_leave(luashim_host *host, luashim_entry_record record) {
    atomic_store(&stops(host)->running, record.previous_running);
    if (record.previous_host != host) {
        atomic_store(&stops(host)->os_thread_known, 0);
        // No Lua code runs any more: a memory error not raised yet is not carried into the
        // next call (a REPL's next entry, a handler's next event); its hooks find nothing. The
        // next call past the limit gets its own error, with its line.
        stops(host)->memory_error_pending = 0;
        stops(host)->memory_error_raised = 0;
        host->over_limit = 0;
        host->refused_pending = 0;
    }
    current_host = record.previous_host;
    if (record.restore_mask) pthread_sigmask(SIG_SETMASK, &record.previous_mask, NULL);
}

int luashim_stopreason(luashim_host *host) { return atomic_load(&stops(host)->reason); }

void luashim_clearstop(luashim_host *host) {
    atomic_store(&stops(host)->reason, 0);
    stops(host)->memory_error_pending = 0;
    lua_sethook(stops(host)->main, NULL, 0, 0);  // coroutines disarm themselves at their next hook
}

// MARK: - The watchdog

struct watchdog {
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    struct timespec deadline;
    int cancelled;
    luashim_host *host;
};
typedef struct watchdog watchdog;

static void *watch(void *context) {
    watchdog *dog = context;
    pthread_mutex_lock(&dog->lock);
    int status = 0;
    while (!dog->cancelled && status != ETIMEDOUT)
        status = pthread_cond_timedwait(&dog->wake, &dog->lock, &dog->deadline);
    int fire = !dog->cancelled;
    pthread_mutex_unlock(&dog->lock);
    if (fire) luashim_requeststop(dog->host, LUASHIM_STOP_TIMEOUT);
    return NULL;
}

int luashim_startwatchdog(luashim_host *host, double seconds) {
    luashim_stopwatchdog(host);
    watchdog *dog = calloc(1, sizeof(watchdog));
    if (dog == NULL) return -1;
    dog->host = host;
    pthread_mutex_init(&dog->lock, NULL);
    pthread_condattr_t attributes;
    pthread_condattr_init(&attributes);
    pthread_condattr_setclock(&attributes, CLOCK_MONOTONIC);
    pthread_cond_init(&dog->wake, &attributes);
    pthread_condattr_destroy(&attributes);
    clock_gettime(CLOCK_MONOTONIC, &dog->deadline);
    long long nanoseconds = (long long)(seconds * 1e9);
    dog->deadline.tv_sec += nanoseconds / 1000000000LL;
    dog->deadline.tv_nsec += nanoseconds % 1000000000LL;
    if (dog->deadline.tv_nsec >= 1000000000L) {
        dog->deadline.tv_sec += 1;
        dog->deadline.tv_nsec -= 1000000000L;
    }
    if (pthread_create(&dog->thread, NULL, watch, dog) != 0) {
        free(dog);
        return -1;
    }
    stops(host)->watchdog = dog;
    return 0;
}

void luashim_stopwatchdog(luashim_host *host) {
    watchdog *dog = stops(host)->watchdog;
    if (dog == NULL) return;
    pthread_mutex_lock(&dog->lock);
    dog->cancelled = 1;
    pthread_cond_signal(&dog->wake);
    pthread_mutex_unlock(&dog->lock);
    pthread_join(dog->thread, NULL);
    pthread_cond_destroy(&dog->wake);
    pthread_mutex_destroy(&dog->lock);
    free(dog);
    stops(host)->watchdog = NULL;
}

// MARK: - SIGINT and SIGTERM

static luashim_host *_Atomic signal_target = NULL;

static void on_terminal_signal(int signal) {
    luashim_host *host = atomic_load(&signal_target);
    if (host == NULL || atomic_load(&stops(host)->reason) == LUASHIM_STOP_INTERRUPT)
        _exit(128 + signal);  // a second Ctrl-C: the user means it
    luashim_requeststop(host, LUASHIM_STOP_INTERRUPT);
}

void luashim_stopsignals(luashim_host *host) {
    atomic_store(&signal_target, host);
    struct sigaction action = {0};
    action.sa_handler = host != NULL ? on_terminal_signal : SIG_DFL;
    action.sa_flags = SA_RESTART;
    sigemptyset(&action.sa_mask);
    sigaction(SIGINT, &action, NULL);
    sigaction(SIGTERM, &action, NULL);
    if (host != NULL) {
        // A signal mask survives exec: a parent that blocked these (a test runner's thread, some
        // supervisors) would leave Ctrl-C pending forever. This thread, at least, hears them.
        sigset_t terminal;
        sigemptyset(&terminal);
        sigaddset(&terminal, SIGINT);
        sigaddset(&terminal, SIGTERM);
        pthread_sigmask(SIG_UNBLOCK, &terminal, NULL);
    }
}

// MARK: - Coroutines that can be stopped

// As lcorolib's auxresume, with the running coroutine recorded around lua_resume.
static int resume_tracked(lua_State *L, lua_State *co, int narg) {
    int nres;
    if (!lua_checkstack(co, narg)) {
        lua_pushliteral(L, "too many arguments to resume");
        return -1;
    }
    lua_xmove(L, co, narg);
    luashim_host *host = luashim_gethost(L);
    lua_State *previous = atomic_load(&stops(host)->running);
    atomic_store(&stops(host)->running, co);
    if (atomic_load(&stops(host)->reason) != 0) arm(co);
    int status = lua_resume(co, L, narg, &nres);
    atomic_store(&stops(host)->running, previous);
    if (status == LUA_OK || status == LUA_YIELD) {
        if (!lua_checkstack(L, nres + 1)) {
            lua_pop(co, nres);
            lua_pushliteral(L, "too many results to resume");
            return -1;
        }
        lua_xmove(co, L, nres);
        return nres;
    }
    lua_xmove(co, L, 1);  // the error
    return -1;
}

int luashim_coroutine_resume(lua_State *L) {
    lua_State *co = lua_tothread(L, 1);
    luaL_argexpected(L, co, 1, "coroutine");
    int results = resume_tracked(L, co, lua_gettop(L) - 1);
    if (results < 0) {
        lua_pushboolean(L, 0);
        lua_insert(L, -2);
        return 2;  // false, error
    }
    lua_pushboolean(L, 1);
    lua_insert(L, -(results + 1));
    return results + 1;  // true, results...
}

// Closing a coroutine runs its pending __close metamethods on the coroutine's own Lua thread:
// that thread is the running one meanwhile, so a stop (or a memory error) arms its hook, not the
// caller's, and a loop in a __close is stopped like any other. Back in the caller, a stop asked
// for meanwhile is armed there too.
static int close_tracked(lua_State *L, lua_State *co, int (*close)(lua_State *L, lua_State *co)) {
    stop_state *state = stops(luashim_gethost(L));
    lua_State *previous = atomic_load(&state->running);
    atomic_store(&state->running, co);
    if (atomic_load(&state->reason) != 0) arm(co);
    int status = close(L, co);
    atomic_store(&state->running, previous);
    if (atomic_load(&state->reason) != 0) arm(L);
    return status;
}

static int reset(lua_State *L, lua_State *co) {
    (void)L;
    return lua_resetthread(co);
}

static int resume_wrapped(lua_State *L) {
    lua_State *co = lua_tothread(L, lua_upvalueindex(1));
    int results = resume_tracked(L, co, lua_gettop(L));
    if (results >= 0) return results;
    int status = lua_status(co);
    if (status != LUA_OK && status != LUA_YIELD) {  // the coroutine failed: close it
        status = close_tracked(L, co, reset);
        lua_xmove(co, L, 1);
    }
    if (status != LUA_ERRMEM && lua_type(L, -1) == LUA_TSTRING) {
        luaL_where(L, 1);
        lua_insert(L, -2);
        lua_concat(L, 2);
    }
    return lua_error(L);
}

int luashim_coroutine_wrap(lua_State *L) {
    luaL_checktype(L, 1, LUA_TFUNCTION);
    lua_State *co = lua_newthread(L);
    lua_pushvalue(L, 1);
    lua_xmove(L, co, 1);
    lua_pushcclosure(L, resume_wrapped, 1);
    return 1;
}

// MARK: - xpcall whose message handler cannot outlive a stop

// A message handler runs with hooks off when the error came from a hook, which is how a stop
// and a memory error with its line arrive; a handler that loops would then run unstopped. This
// one hands the error back untouched once a stop was asked for, or for that memory error (Lua
// calls no handler for its own), and calls the script's handler otherwise.
static int guarded_handler(lua_State *L) {
    stop_state *state = stops(luashim_gethost(L));
    if (atomic_load(&state->reason) != 0) return 1;  // stack: error
    // The memory error raised from a hook (see memory_hook), told by its flag and its words.
    size_t length = 0;
    const char *message = lua_type(L, 1) == LUA_TSTRING ? lua_tolstring(L, 1, &length) : NULL;
    const char *suffix = "not enough memory";
    if (state->memory_error_raised && message != NULL && length >= strlen(suffix)
        && strcmp(message + length - strlen(suffix), suffix) == 0) {
        state->memory_error_raised = 0;
        return 1;
    }
    lua_pushvalue(L, lua_upvalueindex(1));  // stack: error handler
    lua_insert(L, 1);                       // stack: handler error
    lua_call(L, lua_gettop(L) - 1, 1);
    return 1;
}

// As lbaselib's finishpcall.
static int finish_xpcall(lua_State *L, int status, lua_KContext extra) {
    if (status != LUA_OK && status != LUA_YIELD) {
        lua_pushboolean(L, 0);
        lua_pushvalue(L, -2);
        return 2;  // false, error
    }
    return lua_gettop(L) - (int)extra;
}

int luashim_xpcall(lua_State *L) {
    int n = lua_gettop(L);
    luaL_checktype(L, 2, LUA_TFUNCTION);
    lua_pushvalue(L, 2);
    lua_pushcclosure(L, guarded_handler, 1);
    lua_replace(L, 2);        // stack: f guarded args...
    lua_pushboolean(L, 1);    // stack: f guarded args... true
    lua_pushvalue(L, 1);      // stack: f guarded args... true f
    lua_rotate(L, 3, 2);      // stack: f guarded true f args...
    int status = lua_pcallk(L, n - 2, LUA_MULTRET, 2, 2, finish_xpcall);
    return finish_xpcall(L, status, 2);
}

// MARK: - coroutine.close with a depth limit

// Lua 5.4.4's lua_resetthread does not count C calls, so a chain of coroutines that close each
// other from __close metamethods recurses in C until the process crashes. Past this depth the
// chain is an error instead.
#define MAX_CLOSING_DEPTH 100

// The stock coroutine.close, called with the arguments on L's stack (it is their first slot).
static int stock_close(lua_State *L, lua_State *co) {
    (void)co;
    return lua_pcall(L, lua_gettop(L) - 1, LUA_MULTRET, 0);
}

int luashim_coroutine_close(lua_State *L) {
    stop_state *state = stops(luashim_gethost(L));
    if (state->closing_depth >= MAX_CLOSING_DEPTH)
        return luaL_error(L, "C stack overflow (coroutine.close nested more than %d deep)", MAX_CLOSING_DEPTH);
    lua_State *co = lua_tothread(L, 1);  // not a coroutine: the stock close says so
    lua_pushvalue(L, lua_upvalueindex(1));  // stack: args... stock-close
    lua_insert(L, 1);
    state->closing_depth++;
    int status = co != NULL ? close_tracked(L, co, stock_close) : stock_close(L, NULL);
    state->closing_depth--;
    if (status != LUA_OK) return lua_error(L);
    return lua_gettop(L);
}
