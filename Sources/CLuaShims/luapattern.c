// string.find, match, gmatch and gsub with Lua's pattern semantics (manual §6.4.1), written for
// payrun so that matching can be stopped: stock Lua matches in C, where no hook runs, and a
// pathological pattern ("(".-.-.-b" on 600 bytes) backtracks for minutes. This matcher counts
// its steps and, every few thousand, honours a stop request (time limit, Ctrl-C) by raising.
#include "luashim.h"
#include <ctype.h>
#include <string.h>

#define ESCAPE '%'
#define SPECIALS "^$*+?.([%-"
#define UNFINISHED (-1)
#define POSITION (-2)
#define MAX_RECURSION 200
#define MAX_CAPTURES 32  // as stock Lua's LUA_MAXCAPTURES

typedef struct capture {
    const char *start;
    ptrdiff_t length;  // or UNFINISHED, or POSITION
} capture;

typedef struct matcher {
    const char *subject;
    const char *subject_end;
    const char *pattern_end;
    lua_State *L;
    int recursion_left;
    int level;  // captures open or closed so far
    unsigned long steps;
    capture captures[MAX_CAPTURES];
} matcher;

// Every 65,536 steps: has the host asked the script to stop?
static void step(matcher *m) {
    if ((++m->steps & 0xFFFF) != 0) return;
    int reason = luashim_stopreason(luashim_gethost(m->L));
    if (reason != 0)
        luaL_error(m->L, reason == LUASHIM_STOP_TIMEOUT ? "script stopped: time limit reached"
                                                         : "script stopped: interrupted");
}

static const char *match_here(matcher *m, const char *s, const char *p);

// MARK: - Single characters and classes

static int in_class(int c, int class) {
    int found;
    switch (tolower(class)) {
    case 'a': found = isalpha(c); break;
    case 'c': found = iscntrl(c); break;
    case 'd': found = isdigit(c); break;
    case 'g': found = isgraph(c); break;
    case 'l': found = islower(c); break;
    case 'p': found = ispunct(c); break;
    case 's': found = isspace(c); break;
    case 'u': found = isupper(c); break;
    case 'w': found = isalnum(c); break;
    case 'x': found = isxdigit(c); break;
    case 'z': found = (c == 0); break;  // deprecated, but stock Lua 5.4 still has it
    default: return class == c;  // an escaped non-letter stands for itself
    }
    if (isupper(class)) found = !found;  // %A is the complement of %a
    return found;
}

// Whether `c` is in the set that runs from `open` (its '[') to `close` (its ']').
static int in_set(int c, const char *open, const char *close) {
    int wanted = 1;
    const char *p = open + 1;
    if (*p == '^') {
        wanted = 0;
        p++;
    }
    for (; p < close; p++) {
        if (*p == ESCAPE) {
            p++;
            if (in_class(c, (unsigned char)*p)) return wanted;
        } else if (p[1] == '-' && p + 2 < close) {
            if ((unsigned char)p[0] <= c && c <= (unsigned char)p[2]) return wanted;
            p += 2;
        } else if ((unsigned char)*p == c) {
            return wanted;
        }
    }
    return !wanted;
}

// The end of the single-character class that starts at `p`.
static const char *class_end(matcher *m, const char *p) {
    char first = *p++;
    if (first == ESCAPE) {
        if (p >= m->pattern_end) luaL_error(m->L, "malformed pattern (ends with '%%')");
        return p + 1;
    }
    if (first == '[') {
        if (*p == '^') p++;
        do {  // the first character may be ']' itself
            if (p >= m->pattern_end) luaL_error(m->L, "malformed pattern (missing ']')");
            char c = *p++;
            if (c == ESCAPE && p < m->pattern_end) p++;
        } while (*p != ']');
        return p + 1;
    }
    return p;
}

static int matches_one(matcher *m, const char *s, const char *p, const char *class_stop) {
    if (s >= m->subject_end) return 0;
    int c = (unsigned char)*s;
    switch (*p) {
    case '.': return 1;
    case ESCAPE: return in_class(c, (unsigned char)p[1]);
    case '[': return in_set(c, p, class_stop - 1);
    default: return (unsigned char)*p == c;
    }
}

// MARK: - Repetition

// `x*` and `x+`: as many as possible, then back off one at a time.
static const char *longest(matcher *m, const char *s, const char *p, const char *class_stop) {
    ptrdiff_t count = 0;
    while (matches_one(m, s + count, p, class_stop)) {
        step(m);
        count++;
    }
    for (; count >= 0; count--) {
        step(m);
        const char *end = match_here(m, s + count, class_stop + 1);
        if (end != NULL) return end;
    }
    return NULL;
}

// `x-`: as few as possible, one more at a time.
static const char *shortest(matcher *m, const char *s, const char *p, const char *class_stop) {
    for (;;) {
        step(m);
        const char *end = match_here(m, s, class_stop + 1);
        if (end != NULL) return end;
        if (!matches_one(m, s, p, class_stop)) return NULL;
        s++;
    }
}

// MARK: - Captures, balances, frontiers

static const char *open_capture(matcher *m, const char *s, const char *p, ptrdiff_t kind) {
    if (m->level >= MAX_CAPTURES) luaL_error(m->L, "too many captures");
    m->captures[m->level].start = s;
    m->captures[m->level].length = kind;
    m->level++;
    const char *end = match_here(m, s, p);
    if (end == NULL) m->level--;
    return end;
}

static const char *close_capture(matcher *m, const char *s, const char *p) {
    int open = m->level - 1;
    while (open >= 0 && m->captures[open].length != UNFINISHED) open--;
    if (open < 0) luaL_error(m->L, "invalid pattern capture");
    m->captures[open].length = s - m->captures[open].start;
    const char *end = match_here(m, s, p);
    if (end == NULL) m->captures[open].length = UNFINISHED;
    return end;
}

static int capture_index(matcher *m, int digit) {
    int index = digit - '1';
    if (index < 0 || index >= m->level || m->captures[index].length == UNFINISHED)
        return luaL_error(m->L, "invalid capture index %%%d", index + 1);
    return index;
}

// `%1`...`%9`: the same text as a capture already made.
static const char *repeat_capture(matcher *m, const char *s, int digit) {
    int index = capture_index(m, digit);
    size_t length = (size_t)m->captures[index].length;
    if ((size_t)(m->subject_end - s) >= length && memcmp(m->captures[index].start, s, length) == 0)
        return s + length;
    return NULL;
}

// `%bxy`: from an x to its matching y.
static const char *balanced(matcher *m, const char *s, const char *p) {
    if (p >= m->pattern_end - 1) luaL_error(m->L, "malformed pattern (missing arguments to '%%b')");
    if (*s != *p) return NULL;
    char open = p[0], close = p[1];
    int depth = 1;
    while (++s < m->subject_end) {
        step(m);
        if (*s == close) {
            if (--depth == 0) return s + 1;
        } else if (*s == open) {
            depth++;
        }
    }
    return NULL;
}

// MARK: - The matcher

// Matches pattern `p` at subject position `s`; returns the end of the match or NULL.
static const char *match_here(matcher *m, const char *s, const char *p) {
    if (m->recursion_left-- == 0) luaL_error(m->L, "pattern too complex");
    for (;;) {
        step(m);
        if (p == m->pattern_end) break;
        switch (*p) {
        case '(':
            s = p[1] == ')' ? open_capture(m, s, p + 2, POSITION) : open_capture(m, s, p + 1, UNFINISHED);
            goto done;
        case ')':
            s = close_capture(m, s, p + 1);
            goto done;
        case '$':
            if (p + 1 != m->pattern_end) goto single;  // a '$' elsewhere is an ordinary character
            s = s == m->subject_end ? s : NULL;
            goto done;
        case ESCAPE:
            switch (p[1]) {
            case 'b':
                s = balanced(m, s, p + 2);
                if (s == NULL) goto done;
                p += 4;
                continue;
            case 'f': {
                p += 2;
                if (*p != '[') luaL_error(m->L, "missing '[' after '%%f' in pattern");
                const char *set_end = class_end(m, p);
                int before = s == m->subject ? '\0' : (unsigned char)s[-1];
                int here = (unsigned char)*s;  // the subject ends with '\0', as every Lua string
                if (!in_set(before, p, set_end - 1) && in_set(here, p, set_end - 1)) {
                    p = set_end;
                    continue;
                }
                s = NULL;
                goto done;
            }
            case '0': case '1': case '2': case '3': case '4':
            case '5': case '6': case '7': case '8': case '9':
                s = repeat_capture(m, s, (unsigned char)p[1]);
                if (s == NULL) goto done;
                p += 2;
                continue;
            default:
                goto single;
            }
        default:
        single: {
            const char *class_stop = class_end(m, p);
            char quantifier = *class_stop;  // the pattern, a Lua string, ends with '\0'
            if (!matches_one(m, s, p, class_stop)) {
                if (quantifier == '*' || quantifier == '?' || quantifier == '-') {
                    p = class_stop + 1;  // zero repetitions are fine
                    continue;
                }
                s = NULL;
                goto done;
            }
            switch (quantifier) {
            case '?': {
                const char *end = match_here(m, s + 1, class_stop + 1);
                if (end != NULL) {
                    s = end;
                    goto done;
                }
                p = class_stop + 1;
                continue;
            }
            case '+': s = longest(m, s + 1, p, class_stop); goto done;
            case '*': s = longest(m, s, p, class_stop); goto done;
            case '-': s = shortest(m, s, p, class_stop); goto done;
            default:
                s++;
                p = class_stop;
                continue;
            }
        }
        }
    }
done:
    m->recursion_left++;
    return s;
}

static void prepare(matcher *m, lua_State *L, const char *s, size_t ls, const char *p, size_t lp) {
    m->L = L;
    m->subject = s;
    m->subject_end = s + ls;
    m->pattern_end = p + lp;
    m->steps = 0;
}

static void restart(matcher *m) {
    m->level = 0;
    m->recursion_left = MAX_RECURSION;
}

// MARK: - Results

static void push_capture(matcher *m, int i, const char *s, const char *e) {
    if (i >= m->level) {
        if (i != 0) luaL_error(m->L, "invalid capture index %%%d", i + 1);
        lua_pushlstring(m->L, s, e - s);  // no captures: the whole match
        return;
    }
    ptrdiff_t length = m->captures[i].length;
    if (length == UNFINISHED) luaL_error(m->L, "unfinished capture");
    if (length == POSITION)
        lua_pushinteger(m->L, (m->captures[i].start - m->subject) + 1);
    else
        lua_pushlstring(m->L, m->captures[i].start, length);
}

static int push_captures(matcher *m, const char *s, const char *e) {
    int count = (m->level == 0 && s != NULL) ? 1 : m->level;
    luaL_checkstack(m->L, count, "too many captures");
    for (int i = 0; i < count; i++) push_capture(m, i, s, e);
    return count;
}

// As string.find and friends read an initial position: negative counts from the end.
static size_t start_position(lua_Integer position, size_t length) {
    if (position > 0) return (size_t)position;
    if (position == 0) return 1;
    if (position < -(lua_Integer)length) return 1;
    return length + (size_t)position + 1;
}

static int has_specials(const char *p, size_t lp) {
    size_t offset = 0;
    do {  // strpbrk stops at '\0'; patterns may contain them
        if (strpbrk(p + offset, SPECIALS)) return 1;
        offset += strlen(p + offset) + 1;
    } while (offset <= lp);
    return 0;
}

static const char *find_plain(const char *s, size_t ls, const char *p, size_t lp) {
    if (lp == 0) return s;
    if (lp > ls) return NULL;
    const char *last = s + (ls - lp);
    for (const char *at = s; at <= last; at++) {
        at = memchr(at, *p, (size_t)(last - at) + 1);
        if (at == NULL) return NULL;
        if (memcmp(at + 1, p + 1, lp - 1) == 0) return at;
    }
    return NULL;
}

static int find_or_match(lua_State *L, int find) {
    size_t ls, lp;
    const char *s = luaL_checklstring(L, 1, &ls);
    const char *p = luaL_checklstring(L, 2, &lp);
    size_t init = start_position(luaL_optinteger(L, 3, 1), ls) - 1;
    if (init > ls) {
        luaL_pushfail(L);
        return 1;
    }
    if (find && (lua_toboolean(L, 4) || !has_specials(p, lp))) {
        const char *at = find_plain(s + init, ls - init, p, lp);
        if (at == NULL) {
            luaL_pushfail(L);
            return 1;
        }
        lua_pushinteger(L, (at - s) + 1);
        lua_pushinteger(L, (at - s) + lp);
        return 2;
    }
    matcher m;
    const char *start = s + init;
    int anchored = *p == '^';
    if (anchored) {
        p++;
        lp--;
    }
    prepare(&m, L, s, ls, p, lp);
    do {
        restart(&m);
        const char *end = match_here(&m, start, p);
        if (end != NULL) {
            if (!find) return push_captures(&m, start, end);
            lua_pushinteger(L, (start - s) + 1);
            lua_pushinteger(L, end - s);
            return push_captures(&m, NULL, NULL) + 2;
        }
    } while (start++ < m.subject_end && !anchored);
    luaL_pushfail(L);
    return 1;
}

int luashim_string_find(lua_State *L) { return find_or_match(L, 1); }
int luashim_string_match(lua_State *L) { return find_or_match(L, 0); }

// MARK: - gmatch

typedef struct iteration {
    matcher m;
    const char *next;
    const char *last_end;  // an empty match right where the last one ended does not count
    const char *pattern;
} iteration;

static int next_match(lua_State *L) {
    iteration *it = lua_touserdata(L, lua_upvalueindex(3));
    it->m.L = L;
    for (const char *at = it->next; at <= it->m.subject_end; at++) {
        restart(&it->m);
        const char *end = match_here(&it->m, at, it->pattern);
        if (end != NULL && end != it->last_end) {
            it->next = it->last_end = end;
            return push_captures(&it->m, at, end);
        }
    }
    return 0;
}

int luashim_string_gmatch(lua_State *L) {
    size_t ls, lp;
    const char *s = luaL_checklstring(L, 1, &ls);
    const char *p = luaL_checklstring(L, 2, &lp);
    size_t init = start_position(luaL_optinteger(L, 3, 1), ls) - 1;
    lua_settop(L, 2);  // the closure keeps subject and pattern alive
    iteration *it = lua_newuserdatauv(L, sizeof(iteration), 0);
    if (init > ls) init = ls + 1;
    prepare(&it->m, L, s, ls, p, lp);
    it->next = s + init;
    it->pattern = p;
    it->last_end = NULL;
    lua_pushcclosure(L, next_match, 3);
    return 1;
}

// MARK: - gsub

// A replacement string: `%0`-`%9` are captures, `%%` is a '%'.
static void add_template(matcher *m, luaL_Buffer *b, const char *s, const char *e) {
    lua_State *L = m->L;
    size_t length;
    const char *text = lua_tolstring(L, 3, &length);
    const char *escape;
    while ((escape = memchr(text, ESCAPE, length)) != NULL) {
        luaL_addlstring(b, text, escape - text);
        escape++;
        if (*escape == ESCAPE) {
            luaL_addchar(b, *escape);
        } else if (isdigit((unsigned char)*escape)) {
            if (*escape == '0') {
                luaL_addlstring(b, s, e - s);
            } else {
                push_capture(m, *escape - '1', s, e);
                luaL_tolstring(L, -1, NULL);
                lua_remove(L, -2);
                luaL_addvalue(b);
            }
        } else {
            luaL_error(L, "invalid use of '%c' in replacement string", ESCAPE);
        }
        length -= escape + 1 - text;
        text = escape + 1;
    }
    luaL_addlstring(b, text, length);
}

// Adds the replacement for one match; returns whether it changed anything.
static int add_replacement(matcher *m, luaL_Buffer *b, const char *s, const char *e, int type) {
    lua_State *L = m->L;
    switch (type) {
    case LUA_TFUNCTION: {
        lua_pushvalue(L, 3);
        int count = push_captures(m, s, e);
        lua_call(L, count, 1);
        break;
    }
    case LUA_TTABLE:
        push_capture(m, 0, s, e);
        lua_gettable(L, 3);
        break;
    default:
        add_template(m, b, s, e);
        return 1;
    }
    if (!lua_toboolean(L, -1)) {  // nil or false: keep the match as it was
        lua_pop(L, 1);
        luaL_addlstring(b, s, e - s);
        return 0;
    }
    if (!lua_isstring(L, -1))
        return luaL_error(L, "invalid replacement value (a %s)", luaL_typename(L, -1));
    luaL_addvalue(b);
    return 1;
}

int luashim_string_gsub(lua_State *L) {
    size_t ls, lp;
    const char *s = luaL_checklstring(L, 1, &ls);
    const char *p = luaL_checklstring(L, 2, &lp);
    int type = lua_type(L, 3);
    lua_Integer most = luaL_optinteger(L, 4, (lua_Integer)ls + 1);
    luaL_argexpected(L, type == LUA_TNUMBER || type == LUA_TSTRING || type == LUA_TFUNCTION || type == LUA_TTABLE,
                     3, "string/function/table");
    int anchored = *p == '^';
    if (anchored) {
        p++;
        lp--;
    }
    matcher m;
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    prepare(&m, L, s, ls, p, lp);
    const char *last_end = NULL;
    lua_Integer count = 0;
    int changed = 0;
    while (count < most) {
        restart(&m);
        step(&m);
        const char *end = match_here(&m, s, p);
        if (end != NULL && end != last_end) {
            count++;
            changed = add_replacement(&m, &b, s, end, type) | changed;
            s = last_end = end;
        } else if (s < m.subject_end) {
            luaL_addchar(&b, *s++);
        } else {
            break;
        }
        if (anchored) break;
    }
    if (!changed) {
        lua_pushvalue(L, 1);
    } else {
        luaL_addlstring(&b, s, m.subject_end - s);
        luaL_pushresult(&b);
    }
    lua_pushinteger(L, count);
    return 2;
}
