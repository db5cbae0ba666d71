// Shims for the parts of Lua's C API that Swift cannot call directly (macros), and the
// trampoline that lets a Swift function raise or yield only after it has returned.
#ifndef LUASHIM_H
#define LUASHIM_H

#include <lua.h>
#include <lauxlib.h>
#include <lualib.h>
#include <stddef.h>
#include <signal.h>

// MARK: - Macros Swift cannot import

// LUA_REGISTRYINDEX is an expression macro; Swift imports only literal constants.
static inline int luashim_registryindex(void) { return LUA_REGISTRYINDEX; }
// lua_upvalueindex is a function-like macro.
static inline int luashim_upvalueindex(int i) { return lua_upvalueindex(i); }
// lua_pop is a macro over lua_settop.
static inline void luashim_pop(lua_State *L, int n) { lua_pop(L, n); }
// lua_newtable is a macro over lua_createtable.
static inline void luashim_newtable(lua_State *L) { lua_newtable(L); }
// lua_pcall is a macro over lua_pcallk.
static inline int luashim_pcall(lua_State *L, int nargs, int nresults, int msgh) {
    return lua_pcall(L, nargs, nresults, msgh);
}
// lua_pushcfunction is a macro over lua_pushcclosure.
static inline void luashim_pushcfunction(lua_State *L, lua_CFunction f) { lua_pushcfunction(L, f); }
// lua_tostring is a macro over lua_tolstring.
static inline const char *luashim_tostring(lua_State *L, int i) { return lua_tostring(L, i); }
// lua_insert and lua_remove are macros over lua_rotate.
static inline void luashim_insert(lua_State *L, int i) { lua_insert(L, i); }
static inline void luashim_remove(lua_State *L, int i) { lua_remove(L, i); }
// lua_gc is variadic, which Swift cannot call; as a C function it runs inside a protected call,
// so a finaliser's error or a memory error cannot unwind through Swift.
static inline int luashim_collectgarbage(lua_State *L) { lua_gc(L, LUA_GCCOLLECT); return 0; }
// lua_replace is a macro over lua_copy and lua_pop.
static inline void luashim_replace(lua_State *L, int i) { lua_replace(L, i); }

// MARK: - The host record

/// What the host keeps beside each state, reachable from every thread of it through the
/// state's extra space. The allocator accounts in it: `limit` caps what scripts may allocate
/// (0: no cap). While `host_allowance` is set, the host itself is allocating (pushing a result,
/// building a decoded table) and the cap is not applied, so a host push is never the
/// allocation that fails and raises through a Swift frame; the script's next allocation is.
typedef struct luashim_host {
    size_t used;
    size_t peak;
    size_t limit;
    int host_allowance;
    /// How many Swift functions are running; error values kept for them die at zero.
    int swift_depth;
    /// Whether error values are kept for Swift callers that may rethrow them.
    int pending_errors;
    /// The last token issued for a kept error value; never reused while the state is open.
    long long last_error_token;
    /// The Swift object that owns the state, unretained.
    void *owner;
    /// Stop requests, time limit and the thread running Lua (luastop.c; atomics Swift need not see).
    void *stop;
    /// The allocation refused last, while Lua may still ask for it again after collecting.
    int refused_pending;
    void *refused_block;
    size_t refused_size;
    /// Past the limit, within its grace, since the memory error that said so.
    int over_limit;
} luashim_host;

/// Opens a state that keeps `host` (which must outlive it) in its extra space and allocates
/// through it, or returns NULL.
lua_State *luashim_newstate(luashim_host *host);

/// Closes a state opened by `luashim_newstate`, disarming its watchdog first.
void luashim_closestate(lua_State *L);

// MARK: - Stopping a script

enum {
    LUASHIM_STOP_TIMEOUT = 1,    // the time limit passed
    LUASHIM_STOP_INTERRUPT = 2,  // Ctrl-C or SIGTERM
    LUASHIM_STOP_CANCEL = 3,     // the host cancelled the run
    LUASHIM_STOP_HALT = 4,       // the host halted the run for a reason of its own (a payment in doubt)
};

/// Asks the script to stop, from any thread or a signal handler. Lua code stops at its next
/// instruction with an error that `pcall` cannot swallow: the hook that raises it stays armed,
/// on whichever coroutine runs. It costs nothing until asked.
void luashim_requeststop(luashim_host *host, int reason);

/// Records that the calling OS thread is about to run Lua code on `L`, so a stop request can
/// reach it; returns what to hand back to `luashim_leave`.
typedef struct luashim_entry_record {
    luashim_host *previous_host;
    lua_State *previous_running;
    /// The thread's signal mask before entering, when entering unblocked the stop signal.
    sigset_t previous_mask;
    int restore_mask;
} luashim_entry_record;
luashim_entry_record luashim_enter(luashim_host *host, lua_State *L);
void luashim_leave(luashim_host *host, luashim_entry_record record);

/// Clears a stop request and the hooks it armed (a REPL goes on after an interrupted command).
void luashim_clearstop(luashim_host *host);

/// Why the script was asked to stop (LUASHIM_STOP_*), or 0.
int luashim_stopreason(luashim_host *host);

/// Arms a watchdog that requests LUASHIM_STOP_TIMEOUT after `seconds`; replaces any armed one.
/// Returns 0 on success.
int luashim_startwatchdog(luashim_host *host, double seconds);
/// Disarms and joins the watchdog, if any. Call before the host record goes away.
void luashim_stopwatchdog(luashim_host *host);

/// Makes SIGINT and SIGTERM ask `host`'s script to stop (a second one exits at once with
/// status 130 or 143), or restores the default handling for NULL.
void luashim_stopsignals(luashim_host *host);

/// `coroutine.resume` and `coroutine.wrap` as Lua's own, but keeping track of the coroutine that
/// runs, so a stop request reaches code looping inside one.
int luashim_coroutine_resume(lua_State *L);
int luashim_coroutine_wrap(lua_State *L);
/// `coroutine.close` with a limit on how deeply closes nest (Lua 5.4.4 crashes on long chains);
/// its upvalue is the stock function.
int luashim_coroutine_close(lua_State *L);

/// `string.find`, `match`, `gmatch` and `gsub` with Lua's pattern semantics, but stoppable:
/// the matcher counts its steps and honours a stop request, where stock Lua's runs unhooked in C.
/// Opening the string library installs them, keeping the stock ones in the registry under
/// `luakit.stock.string.<name>` (for tests that compare the two).
int luashim_string_find(lua_State *L);
int luashim_string_match(lua_State *L);
int luashim_string_gmatch(lua_State *L);
int luashim_string_gsub(lua_State *L);

/// `string.format` as Lua's own, but an argument whose metatable has `__format` is asked how it
/// appears: `__format(value, spec)` (spec such as `%-8.2f`) returns a string printed for the whole
/// conversion, a number formatted by it, `nil, message` for a bad argument, or `nil` to leave the
/// argument as it is. Its upvalue is the stock function, which does the rest.
int luashim_string_format(lua_State *L);

/// `xpcall` as Lua's own, but once a stop was asked for, the message handler is skipped: Lua runs
/// it with hooks off when the error came from the stop hook.
int luashim_xpcall(lua_State *L);

/// The host record of the state `L` belongs to (any of its threads).
static inline luashim_host *luashim_gethost(lua_State *L) {
    return *(luashim_host **)lua_getextraspace(L);
}

// MARK: - Swift functions

/// How a Swift function finished, reported to the trampoline that called it.
enum {
    LUASHIM_RETURN = 0,      // `count` results are on the stack
    LUASHIM_ERROR = 1,       // the error value is on top of the stack
    LUASHIM_ARGERROR = 2,    // `message` says what is wrong with argument `argument`
    LUASHIM_TYPEERROR = 3,   // `message` names the type argument `argument` should have had
    LUASHIM_YIELD = 4,       // a continuation (or nil) and then `count` values are on top
    LUASHIM_MESSAGE = 5,     // a message on top, to raise with the caller's position first
    LUASHIM_NOSTACK = 6,     // no room was left on the stack to report the error
    LUASHIM_ARGERROR_LONG = 7, // as ARGERROR, the message (too long for `message`) on top
};

typedef struct luashim_outcome {
    int status;
    int count;
    int argument;
    /// For argument errors: kept off the stack, where it would be taken for a missing argument.
    char message[256];
} luashim_outcome;

/// The Swift side of every Swift-bound Lua function. `base` is the stack index below the
/// function's first argument (0 on a fresh call; the continuation slot after a resume).
typedef void (*luashim_entry)(lua_State *L, void *context, int base, luashim_outcome *outcome);
/// Releases `context` once Lua has collected the function that held it.
typedef void (*luashim_release)(void *context);

/// Pushes a Lua function that calls `entry(context)`; `release(context)` runs when Lua
/// collects it. Raises only when memory runs out.
void luashim_pushfunction(lua_State *L, luashim_entry entry, luashim_release release, void *context);

/// Pushes a full userdata that holds `context` and releases it when collected; a Swift
/// function yields it as its continuation, so an abandoned coroutine frees its closure.
void luashim_pushcontinuation(lua_State *L, luashim_entry entry, luashim_release release, void *context);

/// Pushes a full userdata that holds `context` (a retained Swift object) and nothing else; the
/// caller sets its metatable, whose `__gc` and `__close` should be `luashim_releaseuserdata`.
/// Raises only when memory runs out.
void luashim_pushuserdata(lua_State *L, luashim_release release, void *context);

/// Pops a methods table and a lookup function and pushes an `__index` function: a key among the
/// methods is the method, raw; any other is what the lookup returns, called as (object, key).
void luashim_pushmemberindex(lua_State *L);

/// The object a userdata made by `luashim_pushuserdata` holds, or NULL once it was closed.
void *luashim_userdatacontext(lua_State *L, int index);

/// The one finaliser of Swift objects held by Lua, for both `__gc` and `__close`: releases the
/// object once and leaves the userdata empty, so a closed object is never used again.
int luashim_releaseuserdata(lua_State *L);

// MARK: - Protected calls from Swift

/// The message handler every protected call from Swift uses: it stores a traceback of the
/// failing stack in the registry (read it with `luashim_lasttraceback`) and returns the error
/// value unchanged, so a table or userdata error survives for a caller that rethrows it.
int luashim_messagehandler(lua_State *L);
/// A message handler for Lua code that catches an error only to raise the same value again
/// (`payrun.step`): keeps the traceback of where it was raised, which `luashim_messagehandler`
/// gives when that value reaches it (the newest one kept), and returns the error unchanged.
int luashim_keeptraceback(lua_State *L);

/// Pushes the traceback the last message handler stored (a string) or nil, and clears it.
void luashim_lasttraceback(lua_State *L);

/// The registry key of the table of error values kept for Swift callers (see `luashim_host`).
void *luashim_pendingerrorskey(void);

/// Pushes `luaL_traceback(L1, msg, level)` in protected mode; returns a Lua status.
int luashim_traceback(lua_State *L, lua_State *L1, const char *msg, int level);

/// Converts the value at `index` to a string as `tostring` does, in protected mode (it may run
/// `__tostring` or `__name`). The caller runs it inside LuaKit's script-code bracket, so the
/// memory cap and the stop hook apply to `__tostring`. Returns a Lua status; on success the
/// string is on top.
int luashim_tolstring(lua_State *L, int index);

/// Opens the standard library `name` (e.g. "string") with `luaL_requiref` in protected mode
/// and leaves it in the global table. Returns a Lua status.
int luashim_openlibrary(lua_State *L, const char *name);

// MARK: - Tables filled on first use

/// Fills the table at `table` (an absolute index), raw, from `context` (the object the lazy
/// metatable holds). Runs with the host's allowance on, so it never raises; the table's lazy
/// metatable is already gone when it is called.
typedef void (*luashim_lazyfill)(lua_State *L, int table, void *context);

/// Sets the one function that fills lazy tables (LuaKit's, once per process).
void luashim_setlazyfill(luashim_lazyfill fill);

/// Pops a full userdata made by `luashim_pushuserdata` (the filler) and pushes a new metatable
/// for tables that are filled by it the first time anything reads them: `__index`,
/// `__newindex`, `__len` and `__pairs` fill the table, take the metatable off it, and then act
/// as on any table. Raises only when memory runs out.
void luashim_pushlazymetatable(lua_State *L);

/// Fills the table at `index` if it is a lazy table not filled yet; otherwise does nothing.
/// Never raises.
void luashim_filliflazy(lua_State *L, int index);

/// Replaces the base library's raw accessors (`next`, `rawget`, `rawset`, `rawlen`,
/// `getmetatable`, and `pairs`, whose stock iterator is the stock `next`) with ones that fill a
/// lazy table first, so no script can tell a lazy table
/// from the table it stands for. Raises only when memory runs out.
void luashim_openlazytables(lua_State *L);

#endif
