// The C half of LuaKit: the allocator, the trampoline Swift functions run behind, and the
// protected helpers. Every function here that can raise does so only in C frames.
#include "luashim.h"
#include <stdlib.h>
#include <string.h>
#include <stdio.h>

// MARK: - The allocator

int luashim_raisememoryerror(luashim_host *host);  // luastop.c

// A Swift function's pushes may pass the script's memory cap (they run with the host's
// allowance, and never fail half-made): once it has returned to the script, the script is told at
// its next instruction, with its line, as when an allocation of its own passes the cap. Without
// this, `print(#payrun.input(1))` of a file larger than the cap printed and ended well.
static inline void tell_when_over_cap(lua_State *L) {
    luashim_host *host = luashim_gethost(L);
    if (host->limit != 0 && host->used > host->limit && !host->host_allowance && host->swift_depth == 0 && !host->over_limit
        && luashim_raisememoryerror(host)) {
        host->over_limit = 1;
    }
}

// How far past its limit a script may go between the allocation that passes it and its next
// instruction, where it gets the error with its line, and after it until it is back under the
// limit: a sixteenth of the limit, at least 64 KiB.
static size_t memory_grace(size_t limit) { return limit / 16 > 65536 ? limit / 16 : 65536; }

static void *allocate(void *ud, void *ptr, size_t osize, size_t nsize) {
    luashim_host *host = ud;
    size_t old = ptr ? osize : 0;  // without ptr, osize names the kind of object instead
    if (nsize == 0) {
        free(ptr);
        host->used -= old;
        if (host->used <= host->limit) host->over_limit = 0;
        return NULL;
    }
    if (host->limit != 0 && !host->host_allowance && nsize > old) {
        size_t after = host->used - old + nsize;
        // The retry Lua makes after collecting comes right after its refusal, with only frees
        // between: any other growth means the refusal is not being retried.
        int again = host->refused_pending && host->refused_block == ptr && host->refused_size == nsize;
        host->refused_pending = 0;
        if (after > host->limit) {
            // Refused, Lua collects garbage and asks again for the same block (unless it cannot
            // collect now); refused again, it raises "not enough memory" from inside the
            // allocation, with no line and no traceback. So the second time, within the grace,
            // the block is given and the error raised at the script's next instruction instead,
            // where it is. Until the script is back under its limit, the grace stays open with no
            // other error and no collection forced at each allocation: a script that catches the
            // error has as much room to go on with as Lua's own error left it.
            int grace = after <= host->limit + memory_grace(host->limit);
            if (!(grace && host->over_limit)) {
                if (!grace || !again || !luashim_raisememoryerror(host)) {
                    // Refused: a first ask, retried after Lua collects; or a retry, not again.
                    host->refused_pending = !again;
                    host->refused_block = ptr;
                    host->refused_size = nsize;
                    return NULL;
                }
                host->over_limit = 1;
            }
        }
    }
    void *block = realloc(ptr, nsize);
    if (block == NULL) return NULL;
    host->used = host->used - old + nsize;
    if (host->used <= host->limit) host->over_limit = 0;
    if (host->used > host->peak) host->peak = host->used;
    return block;
}

int luashim_stopstate_create(luashim_host *host, lua_State *main);  // luastop.c
void luashim_stopstate_destroy(luashim_host *host);

lua_State *luashim_newstate(luashim_host *host) {
    lua_State *L = lua_newstate(allocate, host);
    if (L == NULL) return NULL;
    *(luashim_host **)lua_getextraspace(L) = host;
    if (luashim_stopstate_create(host, L) != 0) {
        lua_close(L);
        return NULL;
    }
    return L;
}

void luashim_closestate(lua_State *L) {
    luashim_host *host = luashim_gethost(L);
    luashim_stopwatchdog(host);
    lua_close(L);
    luashim_stopstate_destroy(host);
}

// MARK: - Swift functions

// A Swift closure as Lua holds it: a full userdata whose __gc hands it back to Swift.
typedef struct boxed_swift {
    luashim_entry entry;
    luashim_release release;
    void *context;
} boxed_swift;

static const char box_metatable_key = 0;

static int release_box(lua_State *L) {
    boxed_swift *box = lua_touserdata(L, 1);
    if (box != NULL && box->context != NULL) {
        void *context = box->context;
        box->context = NULL;
        box->release(context);
    }
    return 0;
}

// stack: ... -> ... box
static void push_box(lua_State *L, luashim_entry entry, luashim_release release, void *context) {
    boxed_swift *box = lua_newuserdatauv(L, sizeof(boxed_swift), 0);
    box->entry = entry;
    box->release = release;
    box->context = context;
    if (lua_rawgetp(L, LUA_REGISTRYINDEX, &box_metatable_key) == LUA_TNIL) {
        lua_pop(L, 1);
        lua_createtable(L, 0, 3);
        lua_pushcfunction(L, release_box);
        lua_setfield(L, -2, "__gc");
        lua_pushliteral(L, "swift function");
        lua_setfield(L, -2, "__name");
        lua_pushboolean(L, 0);  // getmetatable() sees false: the box is not the script's
        lua_setfield(L, -2, "__metatable");
        lua_pushvalue(L, -1);
        lua_rawsetp(L, LUA_REGISTRYINDEX, &box_metatable_key);
    }
    lua_setmetatable(L, -2);
}

static int continue_after_yield(lua_State *L, int status, lua_KContext slot);

// Raises, yields or returns as the Swift side asked, now that no Swift frame is on the C stack.
// `slot` is the stack index of the continuation that ran, or 0 on a first call.
static int finish(lua_State *L, const luashim_outcome *outcome, int slot) {
    switch (outcome->status) {
    case LUASHIM_RETURN:
        return outcome->count;
    case LUASHIM_ARGERROR:
        return luaL_argerror(L, outcome->argument, outcome->message);
    case LUASHIM_ARGERROR_LONG:
        // luaL_argerror reads no argument's value, so the message may sit on the stack.
        return luaL_argerror(L, outcome->argument, lua_tostring(L, -1));
    case LUASHIM_TYPEERROR:
        return luaL_typeerror(L, outcome->argument, outcome->message);
    case LUASHIM_NOSTACK:
        return luaL_error(L, "stack overflow (no room left to report an error from a Swift function)");
    case LUASHIM_MESSAGE:
        luaL_where(L, 1);   // stack: ... message where
        lua_insert(L, -2);  // stack: ... where message
        lua_concat(L, 2);
        return lua_error(L);
    case LUASHIM_YIELD: {
        // stack: ... [previous slot, resumed values...] continuation-or-nil values...
        int continuation = lua_gettop(L) - outcome->count;
        if (slot > 0) {  // reuse the previous slot so a long run of yields keeps the stack flat
            for (int i = 0; i <= outcome->count; i++) lua_copy(L, continuation + i, slot + i);
            lua_settop(L, slot + outcome->count);
            continuation = slot;
        }
        return lua_yieldk(L, outcome->count, (lua_KContext)continuation, continue_after_yield);
    }
    default:
        return lua_error(L);
    }
}

// Runs when a coroutine a Swift function yielded is resumed.
// stack: arguments... continuation-or-nil resumed-values...
static int continue_after_yield(lua_State *L, int status, lua_KContext context) {
    (void)status;
    int slot = (int)context;
    boxed_swift *box = lua_touserdata(L, slot);
    if (box == NULL) return lua_gettop(L) - slot;  // no continuation: resumed values are results
    if (box->context == NULL) return luaL_error(L, "attempt to resume a Swift function after it was collected");
    // Lua does not renew a C function's LUA_MINSTACK slots when it resumes one.
    luaL_checkstack(L, LUA_MINSTACK, "resuming a Swift function");
    luashim_outcome outcome;
    outcome.status = LUASHIM_RETURN;
    outcome.count = 0;
    box->entry(L, box->context, slot, &outcome);
    if (outcome.status == LUASHIM_RETURN) tell_when_over_cap(L);
    return finish(L, &outcome, slot);
}

static int trampoline(lua_State *L) {
    boxed_swift *box = lua_touserdata(L, lua_upvalueindex(1));
    // A finaliser that runs after the box's own (finalisers run newest first) may still call it.
    if (box->context == NULL) return luaL_error(L, "attempt to call a Swift function after it was collected");
    luashim_outcome outcome;  // only the fields the entry sets are read: no need to clear it all
    outcome.status = LUASHIM_RETURN;
    outcome.count = 0;
    box->entry(L, box->context, 0, &outcome);
    if (outcome.status == LUASHIM_RETURN) {  // the common case, kept inline
        tell_when_over_cap(L);
        return outcome.count;
    }
    return finish(L, &outcome, 0);
}

void luashim_pushfunction(lua_State *L, luashim_entry entry, luashim_release release, void *context) {
    push_box(L, entry, release, context);  // stack: ... box
    lua_pushcclosure(L, trampoline, 1);    // stack: ... function
}

void luashim_pushcontinuation(lua_State *L, luashim_entry entry, luashim_release release, void *context) {
    push_box(L, entry, release, context);
}

// MARK: - Swift objects as userdata

// The block of a userdata that holds a Swift object.
typedef struct held_object {
    luashim_release release;
    void *context;
} held_object;

void luashim_pushuserdata(lua_State *L, luashim_release release, void *context) {
    held_object *held = lua_newuserdatauv(L, sizeof(held_object), 0);
    held->release = release;
    held->context = context;
}

void *luashim_userdatacontext(lua_State *L, int index) {
    held_object *held = lua_touserdata(L, index);
    return held != NULL ? held->context : NULL;
}

int luashim_releaseuserdata(lua_State *L) {
    held_object *held = lua_touserdata(L, 1);
    if (held != NULL && held->context != NULL) {
        void *context = held->context;
        held->context = NULL;
        held->release(context);
    }
    return 0;
}

// `__index` for a type whose members go beyond its methods: the methods (upvalue 1) first, raw,
// then the host's lookup (upvalue 2) given (object, key). In C: as a Swift function it cost 800
// instructions a method call (a `p:get`), most of it the trampoline and a registry name.
static int index_members(lua_State *L) {
    lua_settop(L, 2);
    lua_pushvalue(L, 2);
    if (lua_rawget(L, lua_upvalueindex(1)) != LUA_TNIL) return 1;
    lua_pop(L, 1);
    // A closed object is refused here, by the metamethod: the lookup, called from C, would have
    // no name for itself, and the error would say "to '?'".
    held_object *held = lua_touserdata(L, 1);
    if (held != NULL && held->context == NULL) {
        const char *name = luaL_getmetafield(L, 1, "__name") == LUA_TSTRING ? lua_tostring(L, -1) : "object";
        return luaL_argerror(L, 1, lua_pushfstring(L, "attempt to use a closed %s", name));
    }
    lua_pushvalue(L, lua_upvalueindex(2));
    lua_insert(L, 1);
    lua_call(L, 2, 1);
    return 1;
}

void luashim_pushmemberindex(lua_State *L) { lua_pushcclosure(L, index_members, 2); }

// MARK: - Protected calls from Swift

static const char traceback_key = 0;
static const char pending_errors_key = 0;
static const char kept_error_key = 0;
static const char kept_traceback_key = 0;

void *luashim_pendingerrorskey(void) { return (void *)&pending_errors_key; }

int luashim_messagehandler(lua_State *L) {
    // The traceback is the host's work: near the memory cap it must not turn the script's error
    // into a memory error.
    luashim_host *host = luashim_gethost(L);
    int allowance = host->host_allowance;
    host->host_allowance = 1;
    // stack: error
    lua_rawgetp(L, LUA_REGISTRYINDEX, &kept_error_key);  // stack: error kept-or-nil
    int kept = !lua_isnil(L, -1) && lua_rawequal(L, 1, -1);
    lua_pop(L, 1);
    if (kept) {
        // Raised again by a wrapper that caught it (luashim_keeptraceback): the traceback of
        // where it was first raised, with the frames the wrapper's raise has lost.
        lua_rawgetp(L, LUA_REGISTRYINDEX, &kept_traceback_key);  // stack: error traceback
        lua_pushnil(L);
        lua_rawsetp(L, LUA_REGISTRYINDEX, &kept_error_key);
        lua_pushnil(L);
        lua_rawsetp(L, LUA_REGISTRYINDEX, &kept_traceback_key);
    } else {
        luaL_traceback(L, L, NULL, 1);  // stack: error traceback
    }
    lua_rawsetp(L, LUA_REGISTRYINDEX, &traceback_key);
    host->host_allowance = allowance;
    return 1;
}

int luashim_keeptraceback(lua_State *L) {
    luashim_host *host = luashim_gethost(L);
    int allowance = host->host_allowance;
    host->host_allowance = 1;
    // stack: error
    lua_settop(L, 1);
    lua_pushvalue(L, 1);
    lua_rawsetp(L, LUA_REGISTRYINDEX, &kept_error_key);
    // Called by xpcall, the first frame is a nameless C one of its calling: not the script's.
    int level = 1;
    lua_Debug frame;
    if (lua_getstack(L, 1, &frame) && lua_getinfo(L, "Sn", &frame) && frame.what[0] == 'C' && frame.name == NULL) level = 2;
    luaL_traceback(L, L, NULL, level);  // stack: error traceback
    lua_rawsetp(L, LUA_REGISTRYINDEX, &kept_traceback_key);
    host->host_allowance = allowance;
    return 1;  // the error, as it was
}

void luashim_lasttraceback(lua_State *L) {
    lua_rawgetp(L, LUA_REGISTRYINDEX, &traceback_key);  // stack: ... traceback-or-nil
    lua_pushnil(L);
    lua_rawsetp(L, LUA_REGISTRYINDEX, &traceback_key);
}

typedef struct traceback_request {
    lua_State *thread;
    const char *message;
    int level;
} traceback_request;

static int traceback_protected(lua_State *L) {
    traceback_request *request = lua_touserdata(L, 1);
    luaL_traceback(L, request->thread, request->message, request->level);
    return 1;
}

int luashim_traceback(lua_State *L, lua_State *L1, const char *msg, int level) {
    traceback_request request = {L1, msg, level};
    lua_pushcfunction(L, traceback_protected);
    lua_pushlightuserdata(L, &request);
    return lua_pcall(L, 1, 1, 0);
}

static int tolstring_protected(lua_State *L) {
    luaL_tolstring(L, 1, NULL);
    return 1;
}

int luashim_tolstring(lua_State *L, int index) {
    index = lua_absindex(L, index);
    lua_pushcfunction(L, tolstring_protected);
    lua_pushvalue(L, index);
    // __tostring is script code: the Swift caller runs this inside its script-code bracket.
    return lua_pcall(L, 1, 1, 0);
}

static int openlibrary_protected(lua_State *L) {
    static const luaL_Reg libraries[] = {
        {LUA_GNAME, luaopen_base},          {LUA_COLIBNAME, luaopen_coroutine},
        {LUA_DBLIBNAME, luaopen_debug},     {LUA_IOLIBNAME, luaopen_io},
        {LUA_MATHLIBNAME, luaopen_math},    {LUA_OSLIBNAME, luaopen_os},
        {LUA_LOADLIBNAME, luaopen_package}, {LUA_STRLIBNAME, luaopen_string},
        {LUA_TABLIBNAME, luaopen_table},    {LUA_UTF8LIBNAME, luaopen_utf8},
        {NULL, NULL},
    };
    const char *name = lua_tostring(L, 1);
    for (const luaL_Reg *library = libraries; library->name != NULL; library++) {
        if (strcmp(library->name, name) == 0) {
            luaL_requiref(L, library->name, library->func, 1);  // stack: name library
            if (library->func == luaopen_base) {
                lua_pushcfunction(L, luashim_xpcall);
                lua_setfield(L, -2, "xpcall");
            }
            if (library->func == luaopen_string) {
                static const luaL_Reg stoppable[] = {
                    {"find", luashim_string_find}, {"gmatch", luashim_string_gmatch},
                    {"gsub", luashim_string_gsub}, {"match", luashim_string_match}, {NULL, NULL},
                };
                for (const luaL_Reg *f = stoppable; f->name != NULL; f++) {
                    char key[64];
                    snprintf(key, sizeof key, "luakit.stock.string.%s", f->name);
                    lua_getfield(L, -1, f->name);  // stack: name string stock
                    lua_setfield(L, LUA_REGISTRYINDEX, key);
                    lua_pushcfunction(L, f->func);
                    lua_setfield(L, -2, f->name);
                }
                lua_getfield(L, -1, "format");
                lua_pushcclosure(L, luashim_string_format, 1);
                lua_setfield(L, -2, "format");
            }
            if (library->func == luaopen_coroutine) {
                // Resumes that keep track of the running coroutine, so a stop request reaches it.
                lua_pushcfunction(L, luashim_coroutine_resume);
                lua_setfield(L, -2, "resume");
                lua_pushcfunction(L, luashim_coroutine_wrap);
                lua_setfield(L, -2, "wrap");
                lua_getfield(L, -1, "close");
                lua_pushcclosure(L, luashim_coroutine_close, 1);
                lua_setfield(L, -2, "close");
            }
            return 0;
        }
    }
    return luaL_error(L, "no standard library named '%s'", name);
}

int luashim_openlibrary(lua_State *L, const char *name) {
    lua_pushcfunction(L, openlibrary_protected);
    lua_pushstring(L, name);
    return lua_pcall(L, 1, 0, 0);
}
