---@meta payrun
-- LuaLS annotations for what payrun gives every script. Point your editor at this folder
-- (scripts/.luarc.json does) to get completion and type checks. A test keeps the functions
-- listed here and the ones payrun registers the same.

---payrun's own library.
---@class payrunlib
---@field version string payrun's version, e.g. "0.1.0".
---@field json payrun.jsonlib JSON decoding and encoding.
---@field environment "sandbox"|"test"|"live" Where requests go (`payrun run --env`).
---@field stdout payrun.stream Standard output.
---@field stderr payrun.stream Standard error.
payrun = {}

---Renders any value readably: the sequence first, then other keys sorted; short tables on one
---line; tables reached twice labelled (`<1>{...}`, then `<table 1>`), so cycles end.
---@param value any
---@param options? payrun.inspect.options
---@return string
function payrun.inspect(value, options) end

---@class payrun.inspect.options
---@field depth? integer Tables deeper than this show as `{...}` (default 12).
---@field max_items? integer Entries shown per table before `... (N more)` (default 100).
---@field width? integer One-line tables longer than this go one entry a line (default 80).
---@field indent? integer Spaces per level (default 2).

---A handle for a configured credential, to pass to payrun's provider functions. The secret
---itself never enters Lua: `tostring(h)` is `credential particeep.api_secret (live)`.
---Raises an error saying how to set it when the credential is not configured.
---@param name string `provider.field`, e.g. "particeep.api_secret"
---@return payrun.credential
function payrun.credential(name) end

---@class payrun.credential: userdata

---@class payrun.jsonlib
---@field null payrun.json.null The value JSON `null` decodes to, and encodes from.
payrun.json = {}

---@class payrun.json.null: userdata

---Decodes JSON text. Objects become tables, arrays become tables marked as arrays (so `[]`
---stays an array), `null` becomes `payrun.json.null`, integers stay integers up to 64 bits.
---Raises an error naming the byte offset and what was expected if the text is malformed.
---@param text string
---@return any
function payrun.json.decode(text) end

---Like `decode`, but returns `nil` and the error message instead of raising.
---@param text string
---@return any value
---@return string? message
function payrun.json.trydecode(text) end

---Encodes a value as JSON text. A table is an array if marked with `payrun.json.array` or if
---its keys are exactly 1..n, an object if its keys are strings (`{}` is an object). Raises an
---error naming the path (`$.payments[3].amount`) for functions, cycles, NaN and infinities.
---@param value any
---@param options? payrun.json.encode.options
---@return string
function payrun.json.encode(value, options) end

---@class payrun.json.encode.options
---@field indent? integer|boolean Spaces per level (true: 2); omitted writes one line.
---@field sort_keys? boolean Writes object keys in byte order, for reproducible output.

---Marks `t` (or a new table) as a JSON array, so it encodes as `[...]` even when empty.
---@generic T: table
---@param t? T
---@return T
function payrun.json.array(t) end

---Whether `t` is marked as a JSON array (decoded arrays are).
---@param t any
---@return boolean
function payrun.json.isarray(t) end

---An output stream, like `io.stdout`: payrun scripts have no `io` library and cannot open files.
---@class payrun.stream
local stream = {}

---Writes strings and numbers to the stream, as they are; returns the stream, for chaining.
---Everything written reaches the terminal in the order the script wrote it, `print` included.
---@param ... string|number
---@return payrun.stream
function stream:write(...) end
